using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.Money;

namespace Relay.EdgeApi.Users;

internal sealed record MeResponse(
    string AccountId,
    string? Email,
    decimal BalanceUsd,
    decimal ReservedUsd,
    decimal AvailableUsd,
    string? InviteCode,
    string? InviteLink,
    string? InvitedBy,
    decimal RewardsEarnedUsd,
    DateTimeOffset? CreatedAt);

internal sealed record LedgerLine(long Sequence, DateTimeOffset At, string Kind, decimal AmountUsd, decimal BalanceAfterUsd, string Reference);

internal sealed record TokenCounts(long Input, long Output, long CacheRead, long CacheWrite5m, long CacheWrite1h, long Reasoning, long Total)
{
    public static TokenCounts Of(TokenUsage t) =>
        new(t.InputTokens, t.OutputTokens, t.CacheReadTokens, t.CacheWrite5mTokens, t.CacheWrite1hTokens, t.ReasoningTokens, t.Total);
}

internal sealed record UsageLine(long Sequence, DateTimeOffset Time, string Model, string Channel, TokenCounts Tokens, decimal CostUsd, bool Estimated);

internal sealed record DailyUsageLine(DateOnly Day, string Model, long Calls, TokenCounts Tokens, decimal CostUsd);

internal sealed record DeviceLine(string Device, DateTimeOffset FirstSeen, DateTimeOffset LastActive);

/// <summary>A page of a list, newest first; <see cref="NextBefore"/> fetches the next page when there may be one.</summary>
internal sealed record Page<T>(IReadOnlyList<T> Data, long? NextBefore);

internal sealed record ListOf<T>(IReadOnlyList<T> Data);

/// <summary>What a signed-in person sees of their own account: balance, ledger, usage and devices.</summary>
internal static class AccountApi
{
    private const int DefaultLimit = 50;
    private const int MaxLimit = 500;
    private const int MaxDailyRangeDays = 366;

    // Ledger and usage times come from the silos' clocks; a default "until" a day ahead of this edge's clock
    // keeps a recent entry in view however those clocks differ.
    private static readonly TimeSpan ClockSlack = TimeSpan.FromDays(1);

    public static RouteGroupBuilder MapAccount(this RouteGroupBuilder api)
    {
        api.MapGet("/me", GetMeAsync);
        api.MapGet("/ledger", GetLedgerAsync);
        api.MapGet("/usage", GetUsageAsync);
        api.MapGet("/usage/daily", GetDailyUsageAsync);
        api.MapGet("/devices", GetDevicesAsync);
        api.MapDelete("/devices/{device}", RevokeDeviceAsync);
        return api;
    }

    private static async Task<Ok<MeResponse>> GetMeAsync(HttpContext http, IGrainFactory grains, IOptions<UserApiOptions> options)
    {
        var account = grains.Account(http);
        var view = await account.GetAsync();
        var rewards = await RewardsEarnedAsync(account);
        var inviteLink = view.InviteCode is null
            ? null
            : $"{options.Value.PublicBaseUrl.TrimEnd('/')}/signup?invite={Uri.EscapeDataString(view.InviteCode)}";
        return TypedResults.Ok(new MeResponse(
            view.AccountId, view.Email, view.Balance.ToDecimal(), view.Reserved.ToDecimal(), view.Available.ToDecimal(),
            view.InviteCode, inviteLink, view.InvitedBy, rewards.ToDecimal(), view.CreatedAt));
    }

    /// <summary>The sum of the account's referral rewards, read through its whole ledger.</summary>
    /// <remarks>
    /// The account grain keeps no running total of rewards, so this pages through the ledger (1000 entries a
    /// read). A running total in <see cref="AccountView"/> would make this one read; until then it is exact.
    /// </remarks>
    private static async Task<Usd> RewardsEarnedAsync(IAccountGrain account)
    {
        const int pageSize = 1000;
        var total = Usd.Zero;
        long? before = null;
        while (true)
        {
            var page = await account.GetLedgerAsync(before, pageSize);
            foreach (var entry in page)
            {
                if (entry.Kind == LedgerEntryKind.ReferralReward)
                {
                    total += entry.Delta;
                }
            }
            if (page.Count < pageSize)
            {
                return total;
            }
            before = page[^1].Sequence;
        }
    }

    private static async Task<Results<Ok<Page<LedgerLine>>, JsonHttpResult<ApiError>>> GetLedgerAsync(
        HttpContext http, IGrainFactory grains, long? before, int? limit)
    {
        if (Limit(limit) is not { } take)
        {
            return BadLimit();
        }
        var entries = await grains.Account(http).GetLedgerAsync(before, take);
        var lines = entries
            .Select(e => new LedgerLine(e.Sequence, e.At, e.Kind.ToString(), e.Delta.ToDecimal(), e.BalanceAfter.ToDecimal(), e.Reference))
            .ToList();
        return TypedResults.Ok(new Page<LedgerLine>(lines, NextBefore(entries, take)));
    }

    private static async Task<Results<Ok<Page<UsageLine>>, JsonHttpResult<ApiError>>> GetUsageAsync(
        HttpContext http, IGrainFactory grains, TimeProvider clock,
        DateTimeOffset? from, DateTimeOffset? to, string? model, long? before, int? limit)
    {
        if (Limit(limit) is not { } take)
        {
            return BadLimit();
        }
        var until = to ?? clock.GetUtcNow() + ClockSlack;
        var since = from ?? DateTimeOffset.UnixEpoch;
        if (since >= until)
        {
            return ApiErrors.BadRequest("invalid_range", "'from' must be before 'to'.");
        }
        var query = new UsageQuery(since, until, string.IsNullOrWhiteSpace(model) ? null : model, before, take);
        var entries = await grains.Account(http).GetUsageAsync(query);
        var lines = entries
            .Where(e => e.Usage is not null)
            .Select(e => new UsageLine(e.Sequence, e.At, e.Usage!.Model, e.Usage.Channel, TokenCounts.Of(e.Usage.Tokens),
                e.Usage.Cost.ToDecimal(), e.Usage.Estimated))
            .ToList();
        return TypedResults.Ok(new Page<UsageLine>(lines, NextBefore(entries, take)));
    }

    private static async Task<Results<Ok<ListOf<DailyUsageLine>>, JsonHttpResult<ApiError>>> GetDailyUsageAsync(
        HttpContext http, IGrainFactory grains, TimeProvider clock, DateTimeOffset? from, DateTimeOffset? to)
    {
        var until = to ?? clock.GetUtcNow() + ClockSlack;
        var since = from ?? new DateTimeOffset(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(-29), TimeOnly.MinValue, TimeSpan.Zero);
        if (since >= until || until - since > TimeSpan.FromDays(MaxDailyRangeDays))
        {
            return ApiErrors.BadRequest("invalid_range", $"'from' must be before 'to', at most {MaxDailyRangeDays} days apart.");
        }
        var days = await grains.Account(http).GetDailyUsageAsync(since, until);
        return TypedResults.Ok(new ListOf<DailyUsageLine>(
            [.. days.Select(d => new DailyUsageLine(d.Day, d.Model, d.Calls, TokenCounts.Of(d.Tokens), d.Cost.ToDecimal()))]));
    }

    private static async Task<Ok<ListOf<DeviceLine>>> GetDevicesAsync(HttpContext http, IGrainFactory grains)
    {
        var view = await grains.Account(http).GetAsync();
        return TypedResults.Ok(new ListOf<DeviceLine>([.. view.ActiveDevices.Select(d => new DeviceLine(d.Device, d.FirstSeen, d.LastActive))]));
    }

    private static async Task<Results<NoContent, JsonHttpResult<ApiError>>> RevokeDeviceAsync(HttpContext http, IGrainFactory grains, string device) =>
        await grains.Account(http).RevokeDeviceAsync(device)
            ? TypedResults.NoContent()
            : ApiErrors.NotFound("device_not_found", $"No active device '{device}' on this account.");

    private static int? Limit(int? limit) => limit switch
    {
        null => DefaultLimit,
        >= 1 and <= MaxLimit => limit,
        _ => null,
    };

    private static JsonHttpResult<ApiError> BadLimit() => ApiErrors.BadRequest("invalid_limit", $"'limit' must be between 1 and {MaxLimit}.");

    private static long? NextBefore(IReadOnlyList<LedgerEntry> page, int limit) => page.Count == limit ? page[^1].Sequence : null;
}

internal static class SessionGrains
{
    /// <summary>The grain of the session's own account: the only account a user request may touch.</summary>
    public static IAccountGrain Account(this IGrainFactory grains, HttpContext http) =>
        grains.GetGrain<IAccountGrain>(http.SignedInSession().AccountId);
}
