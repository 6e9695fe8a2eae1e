using Microsoft.Extensions.DependencyInjection;
using Relay.Accounts;

namespace Relay.Identity;

/// <summary>One email's account binding, password hash and lockout.</summary>
internal sealed class EmailGrain(
    [PersistentState("email", RelayStorage.Name)] IPersistentState<EmailState> state,
    [FromKeyedServices(RelayClock.Key)] TimeProvider clock) : Grain, IEmailGrain
{
    /// <summary>Failed sign-ins in a row that lock the email.</summary>
    internal const int LockoutThreshold = 5;

    internal static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);

    public async Task<EmailLogin> RegisterAsync(string accountId, string passwordHash)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountId);
        ArgumentException.ThrowIfNullOrWhiteSpace(passwordHash);
        if (state.State.AccountId is null)
        {
            state.State.AccountId = accountId;
            state.State.PasswordHash = passwordHash;
            await state.WriteStateAsync();
        }
        return Login()!;
    }

    public Task<EmailLogin?> GetAsync() => Task.FromResult(Login());

    public async Task<EmailLogin?> RecordSignInAsync(bool succeeded)
    {
        if (state.State.AccountId is null)
        {
            return null;
        }
        var now = clock.GetUtcNow();
        if (succeeded)
        {
            state.State.FailedAttempts = 0;
            state.State.LockedUntil = null;
        }
        else if (++state.State.FailedAttempts >= LockoutThreshold)
        {
            state.State.LockedUntil = now + LockoutDuration;
            state.State.FailedAttempts = 0;
        }
        await state.WriteStateAsync();
        return Login();
    }

    public async Task SetPasswordHashAsync(string passwordHash)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(passwordHash);
        state.State.PasswordHash = passwordHash;
        await state.WriteStateAsync();
    }

    private EmailLogin? Login() => state.State.AccountId is null
        ? null
        : new EmailLogin(this.GetPrimaryKeyString(), state.State.AccountId, state.State.PasswordHash, state.State.FailedAttempts,
            state.State.LockedUntil is { } until && until > clock.GetUtcNow() ? until : null);
}

[GenerateSerializer, Alias("Relay.EmailState")]
public sealed class EmailState
{
    [Id(0)] public string? AccountId { get; set; }

    [Id(1)] public string PasswordHash { get; set; } = "";

    [Id(2)] public int FailedAttempts { get; set; }

    [Id(3)] public DateTimeOffset? LockedUntil { get; set; }
}
