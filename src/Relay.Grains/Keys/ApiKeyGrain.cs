using Microsoft.Extensions.DependencyInjection;
using Relay.Accounts;

namespace Relay.Keys;

/// <summary>Maps one API key (by the SHA-256 of the plain key) to its account.</summary>
internal sealed class ApiKeyGrain(
    [PersistentState("apikey", RelayStorage.Name)] IPersistentState<ApiKeyState> state,
    [FromKeyedServices(RelayClock.Key)] TimeProvider clock) : Grain, IApiKeyGrain
{
    public async Task<ApiKeyRecord> RegisterAsync(string accountId, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountId);
        if (state.State.AccountId is null)
        {
            state.State.AccountId = accountId;
            state.State.Name = name ?? "";
            state.State.CreatedAt = clock.GetUtcNow();
            await state.WriteStateAsync();
        }
        return Record()!;
    }

    public Task<ApiKeyRecord?> GetAsync() => Task.FromResult(Record());

    public async Task<bool> RevokeAsync()
    {
        if (state.State.AccountId is null)
        {
            return false;
        }
        if (!state.State.Revoked)
        {
            state.State.Revoked = true;
            await state.WriteStateAsync();
        }
        return true;
    }

    private ApiKeyRecord? Record() => state.State.AccountId is null
        ? null
        : new ApiKeyRecord(this.GetPrimaryKeyString(), state.State.AccountId, state.State.Name, state.State.CreatedAt, state.State.Revoked);
}
