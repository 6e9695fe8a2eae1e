using System.Globalization;
using Relay.Accounts;
using Relay.Money;

namespace Relay.Console.Users;

/// <summary>Which calls a usage view shows: a time range (UTC) and optionally one model.</summary>
internal sealed record UsageRange(DateTimeOffset From, DateTimeOffset To, string? Model)
{
    /// <summary>The range asked for; by default the last 30 UTC days up to the end of today.</summary>
    public static UsageRange Of(DateTimeOffset? from, DateTimeOffset? to, string? model, TimeProvider? clock = null)
    {
        var today = DateOnly.FromDateTime((clock ?? TimeProvider.System).GetUtcNow().UtcDateTime);
        var until = to ?? Start(today.AddDays(1));
        var since = from ?? Start(today.AddDays(-29));
        if (since >= until)
        {
            since = until.AddDays(-1);
        }
        return new UsageRange(since, until, string.IsNullOrWhiteSpace(model) ? null : model.Trim());
    }

    public static DateTimeOffset Start(DateOnly day) => new(day, TimeOnly.MinValue, TimeSpan.Zero);
}

/// <summary>Spend so far today and this month (UTC days), from the ledger.</summary>
internal sealed record SpendSummary(Usd Today, Usd ThisMonth, long CallsToday, long CallsThisMonth);

/// <summary>An account's usage read from its ledger through its grain: per call, per day and model, and as CSV.</summary>
internal sealed class UsageReports(IGrainFactory grains, TimeProvider clock)
{
    /// <summary>Most calls read from the ledger in one page.</summary>
    public const int PageSize = 500;

    public async Task<SpendSummary> SpendAsync(string accountId)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var monthStart = new DateOnly(today.Year, today.Month, 1);
        var days = await grains.GetGrain<IAccountGrain>(accountId)
            .GetDailyUsageAsync(UsageRange.Start(monthStart), UsageRange.Start(today.AddDays(1)));
        var todays = days.Where(d => d.Day == today).ToList();
        return new SpendSummary(
            todays.Aggregate(Usd.Zero, (sum, d) => sum + d.Cost), days.Aggregate(Usd.Zero, (sum, d) => sum + d.Cost),
            todays.Sum(d => d.Calls), days.Sum(d => d.Calls));
    }

    public Task<IReadOnlyList<DailyUsage>> DailyAsync(string accountId, UsageRange range) =>
        grains.GetGrain<IAccountGrain>(accountId).GetDailyUsageAsync(range.From, range.To)
            .ContinueWith(t => range.Model is null ? t.Result : (IReadOnlyList<DailyUsage>)[.. t.Result.Where(d => d.Model == range.Model)],
                TaskScheduler.Default);

    /// <summary>One page of calls, newest first, before a sequence number when given.</summary>
    public async Task<IReadOnlyList<LedgerEntry>> CallsAsync(string accountId, UsageRange range, long? before, int limit)
    {
        var entries = await grains.GetGrain<IAccountGrain>(accountId)
            .GetUsageAsync(new UsageQuery(range.From, range.To, range.Model, before, Math.Clamp(limit, 1, PageSize)));
        return [.. entries.Where(e => e.Usage is not null)];
    }

    /// <summary>Every call in the range as CSV rows, newest first, read a page at a time.</summary>
    public async Task WriteCsvAsync(string accountId, UsageRange range, TextWriter writer, CancellationToken cancellation)
    {
        await writer.WriteLineAsync(
            "time_utc,model,channel,input_tokens,output_tokens,cache_read_tokens,cache_write_5m_tokens,cache_write_1h_tokens,reasoning_tokens,cost_usd,estimated,upstream_request_id,ledger_seq");
        long? before = null;
        while (!cancellation.IsCancellationRequested)
        {
            var page = await grains.GetGrain<IAccountGrain>(accountId)
                .GetUsageAsync(new UsageQuery(range.From, range.To, range.Model, before, PageSize));
            foreach (var entry in page.Where(e => e.Usage is not null))
            {
                await writer.WriteLineAsync(CsvLine(entry));
            }
            if (page.Count < PageSize)
            {
                break;
            }
            before = page[^1].Sequence;
        }
        await writer.FlushAsync(cancellation);
    }

    public static string CsvLine(LedgerEntry entry)
    {
        var usage = entry.Usage!;
        var t = usage.Tokens;
        string[] fields =
        [
            entry.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            usage.Model, usage.Channel,
            Number(t.InputTokens), Number(t.OutputTokens), Number(t.CacheReadTokens),
            Number(t.CacheWrite5mTokens), Number(t.CacheWrite1hTokens), Number(t.ReasoningTokens),
            usage.Cost.ToString(), usage.Estimated ? "true" : "false", usage.UpstreamId ?? "",
            Number(entry.Sequence),
        ];
        return string.Join(',', fields.Select(Csv));
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>RFC 4180 quoting, and a leading '=', '+', '-' or '@' made inert so a spreadsheet never runs a cell as a formula.</summary>
    private static string Csv(string field)
    {
        if (field.Length > 0 && field[0] is '=' or '+' or '-' or '@' && !decimal.TryParse(field, NumberStyles.Number, CultureInfo.InvariantCulture, out _))
        {
            field = "'" + field;
        }
        return field.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
    }
}
