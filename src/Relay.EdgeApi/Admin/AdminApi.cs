using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.EdgeApi.Accounts;
using Relay.EdgeApi.Hosting;
using Relay.EdgeApi.Users;
using Relay.Users.Identity;
using Relay.Identity;
using Relay.Keys;
using Relay.Money;

namespace Relay.EdgeApi.Admin;

/// <summary>The operator's API under /admin, behind the bearer token <c>Relay:AdminToken</c>.</summary>
public static class AdminApi
{
    private const int RecentLedgerEntries = 20;

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").AddEndpointFilter(RequireAdminToken);
        admin.MapPost("/accounts", OpenAccountAsync);
        admin.MapGet("/accounts", FindAccountAsync);
        admin.MapGet("/accounts/{accountId}", GetAccountAsync);
        admin.MapPost("/accounts/{accountId}/credits", PostCreditAsync);
        admin.MapPost("/accounts/{accountId}/keys", CreateKeyAsync);
        admin.MapGet("/accounts/{accountId}/usage", GetUsageAsync);
        admin.MapDelete("/accounts/{accountId}/devices/{device}", RevokeDeviceAsync);
        admin.MapPut("/accounts/{accountId}/disabled", SetDisabledAsync);
        admin.MapDelete("/keys/{keyId}", RevokeKeyAsync);
        admin.MapCatalogAdminApi();
        return app;
    }

    /// <summary>
    /// Opens an account for an email. An email someone already signed up with answers 409 with that account, so
    /// the operator does not make a second account for one person. (An account opened here binds no email: the
    /// person can still sign up, which makes their own account.)
    /// </summary>
    public static async Task<Results<Created<AccountCreated>, ValidationProblem, Conflict<AccountCreated>>> OpenAccountAsync(NewAccount request, IGrainFactory grains)
    {
        var email = EmailAddresses.Normalize(request.Email);
        if (email is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["email"] = ["A valid email address is required."] });
        }
        if (await grains.GetGrain<IEmailGrain>(email).GetAsync() is { } existing)
        {
            return TypedResults.Conflict(new AccountCreated(existing.AccountId));
        }
        var accountId = "acct_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        await grains.GetGrain<IAccountGrain>(accountId).OpenAsync(email);
        return TypedResults.Created($"/admin/accounts/{accountId}", new AccountCreated(accountId));
    }

    /// <summary>Finds the account a person signed up with, by email (<c>GET /admin/accounts?email=...</c>).</summary>
    public static async Task<Results<Ok<AccountCreated>, NotFound, ValidationProblem>> FindAccountAsync(string? email, IGrainFactory grains)
    {
        if (EmailAddresses.Normalize(email) is not { } normalized)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["email"] = ["A valid email address is required."] });
        }
        return await grains.GetGrain<IEmailGrain>(normalized).GetAsync() is { } login
            ? TypedResults.Ok(new AccountCreated(login.AccountId))
            : TypedResults.NotFound();
    }

    public static async Task<Results<Ok<AccountDetails>, NotFound>> GetAccountAsync(string accountId, IGrainFactory grains)
    {
        var account = grains.GetGrain<IAccountGrain>(accountId);
        var view = await account.GetAsync();
        if (view.CreatedAt is null)
        {
            return TypedResults.NotFound();
        }
        var ledger = await account.GetLedgerAsync(null, RecentLedgerEntries);
        return TypedResults.Ok(new AccountDetails(
            view.AccountId,
            view.Email,
            view.Balance.ToDecimal(),
            view.Reserved.ToDecimal(),
            view.Available.ToDecimal(),
            view.OpenReservations,
            view.Disabled,
            view.ActiveDevices.Select(d => new DeviceDetails(d.Device, d.FirstSeen, d.LastActive)).ToList(),
            ledger.Select(e => new LedgerLine(e.Sequence, e.EntryId, e.Kind.ToString(), e.Delta.ToDecimal(), e.BalanceAfter.ToDecimal(), e.At, e.Reference)).ToList(),
            view.CreatedAt));
    }

    /// <summary>
    /// Books an admin adjustment exactly once per <c>id</c>: positive amounts credit, negative ones debit.
    /// Amounts are decimals exact to a nano-dollar; anything else is refused.
    /// </summary>
    public static async Task<Results<Created<CreditBooked>, Ok<CreditBooked>, ValidationProblem, NotFound, Conflict<CreditBooked>>> PostCreditAsync(
        string accountId, NewCredit request, IGrainFactory grains)
    {
        var errors = new Dictionary<string, string[]>();
        Usd amount = default;
        if (request.AmountUsd is not { } decimalAmount || decimalAmount == 0m)
        {
            errors["amountUsd"] = ["A non-zero amount in USD is required."];
        }
        else
        {
            try
            {
                amount = Usd.FromDecimal(decimalAmount);
            }
            catch (Exception ex) when (ex is ArgumentOutOfRangeException or OverflowException)
            {
                errors["amountUsd"] = ["The amount must be exact to 9 decimal places and within range."];
            }
        }
        if (string.IsNullOrWhiteSpace(request.Id) || request.Id.Length > 128)
        {
            errors["id"] = ["An idempotency id (at most 128 characters) is required."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var account = grains.GetGrain<IAccountGrain>(accountId);
        if ((await account.GetAsync()).CreatedAt is null)
        {
            return TypedResults.NotFound();
        }
        var result = await account.PostAsync(new LedgerPosting("admin:" + request.Id!, LedgerEntryKind.AdminAdjustment, amount, request.Reason ?? "admin credit"));
        var booked = new CreditBooked(result.Outcome.ToString(), result.Entry?.Sequence, result.Balance.ToDecimal());
        return result.Outcome switch
        {
            PostingOutcome.Booked => TypedResults.Created($"/admin/accounts/{accountId}", booked),
            PostingOutcome.AlreadyBooked => TypedResults.Ok(booked),
            _ => TypedResults.Conflict(booked),
        };
    }

    /// <summary>Makes a key; the key grain first, so a key the account lists always resolves (as the user API does).</summary>
    public static async Task<Results<Created<KeyCreated>, NotFound, Conflict>> CreateKeyAsync(string accountId, NewKey request, IGrainFactory grains)
    {
        var account = grains.GetGrain<IAccountGrain>(accountId);
        if ((await account.GetAsync()).CreatedAt is null)
        {
            return TypedResults.NotFound();
        }
        var key = ApiKeys.NewKey();
        var keyGrain = grains.GetGrain<IApiKeyGrain>(ApiKeys.IdOf(key));
        var record = await keyGrain.RegisterAsync(accountId, string.IsNullOrWhiteSpace(request.Name) ? "default" : request.Name.Trim());
        if (!await account.AddKeyAsync(new AccountKey(record.KeyId, record.Name, record.CreatedAt)))
        {
            await keyGrain.RevokeAsync();
            return TypedResults.Conflict();
        }
        return TypedResults.Created($"/admin/keys/{record.KeyId}", new KeyCreated(record.KeyId, key));
    }

    public static async Task<Results<NoContent, NotFound>> RevokeKeyAsync(string keyId, IGrainFactory grains, CallerResolver callers)
    {
        var revoked = await grains.GetGrain<IApiKeyGrain>(keyId).RevokeAsync();
        callers.Forget(keyId);
        return revoked ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    public static async Task<Results<NoContent, NotFound>> RevokeDeviceAsync(string accountId, string device, IGrainFactory grains) =>
        await grains.GetGrain<IAccountGrain>(accountId).RevokeDeviceAsync(device) ? TypedResults.NoContent() : TypedResults.NotFound();

    public static async Task<NoContent> SetDisabledAsync(string accountId, AccountDisabled request, IGrainFactory grains)
    {
        await grains.GetGrain<IAccountGrain>(accountId).SetDisabledAsync(request.Disabled);
        return TypedResults.NoContent();
    }

    /// <summary>Per call: time, model, channel, tokens by kind, cost and whether the tokens were estimated; newest first.</summary>
    public static async Task<Results<Ok<UsagePage>, NotFound>> GetUsageAsync(string accountId, IGrainFactory grains, long? before = null, int limit = 100)
    {
        var account = grains.GetGrain<IAccountGrain>(accountId);
        if ((await account.GetAsync()).CreatedAt is null)
        {
            return TypedResults.NotFound();
        }
        var entries = await account.GetLedgerAsync(before, Math.Clamp(limit, 1, 1000));
        var calls = entries
            .Where(e => e.Kind == LedgerEntryKind.UsageCharge && e.Usage is not null)
            .Select(e => new UsageLine(
                e.EntryId,
                e.At,
                e.Usage!.Model,
                e.Usage.Channel,
                e.Usage.Tokens.InputTokens,
                e.Usage.Tokens.OutputTokens,
                e.Usage.Tokens.CacheReadTokens,
                e.Usage.Tokens.CacheWrite5mTokens,
                e.Usage.Tokens.CacheWrite1hTokens,
                e.Usage.Tokens.ReasoningTokens,
                e.Usage.Cost.ToDecimal(),
                e.Usage.Estimated))
            .ToList();
        return TypedResults.Ok(new UsagePage(calls, entries.Count > 0 ? entries[^1].Sequence : null));
    }

    private static async ValueTask<object?> RequireAdminToken(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = context.HttpContext.RequestServices.GetRequiredService<IOptionsMonitor<RelayOptions>>().CurrentValue.AdminToken;
        if (string.IsNullOrEmpty(expected))
        {
            return TypedResults.NotFound();
        }
        var authorization = context.HttpContext.Request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        var presented = authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) ? authorization[bearer.Length..].Trim() : "";
        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected))))
        {
            return TypedResults.Unauthorized();
        }
        return await next(context);
    }
}

public sealed record NewAccount([property: JsonPropertyName("email")] string? Email);

public sealed record AccountCreated([property: JsonPropertyName("accountId")] string AccountId);

public sealed record NewCredit(
    [property: JsonPropertyName("amountUsd")] decimal? AmountUsd,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("id")] string? Id);

public sealed record CreditBooked(
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("sequence")] long? Sequence,
    [property: JsonPropertyName("balanceUsd")] decimal BalanceUsd);

public sealed record NewKey([property: JsonPropertyName("name")] string? Name);

public sealed record KeyCreated([property: JsonPropertyName("keyId")] string KeyId, [property: JsonPropertyName("key")] string Key);

public sealed record AccountDisabled([property: JsonPropertyName("disabled")] bool Disabled);

public sealed record DeviceDetails(string Device, DateTimeOffset FirstSeen, DateTimeOffset LastActive);

public sealed record LedgerLine(long Sequence, string EntryId, string Kind, decimal DeltaUsd, decimal BalanceAfterUsd, DateTimeOffset At, string Reference);

public sealed record AccountDetails(
    string AccountId,
    string? Email,
    decimal BalanceUsd,
    decimal ReservedUsd,
    decimal AvailableUsd,
    int OpenReservations,
    bool Disabled,
    IReadOnlyList<DeviceDetails> Devices,
    IReadOnlyList<LedgerLine> RecentLedger,
    DateTimeOffset? CreatedAt);

public sealed record UsageLine(
    string CallId,
    DateTimeOffset At,
    string Model,
    string Channel,
    long InputTokens,
    long OutputTokens,
    long CacheReadTokens,
    long CacheWrite5mTokens,
    long CacheWrite1hTokens,
    long ReasoningTokens,
    decimal CostUsd,
    bool Estimated);

public sealed record UsagePage(IReadOnlyList<UsageLine> Calls, long? NextBefore);
