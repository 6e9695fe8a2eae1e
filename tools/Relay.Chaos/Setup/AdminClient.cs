using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Relay.Chaos.Setup;

/// <summary>
/// The edges' admin API on their internal listeners, tried edge by edge: an edge that is down (or dies mid-request)
/// is skipped.
/// </summary>
internal sealed class AdminClient(HttpClient http, IReadOnlyList<Uri> edges, string token)
{
    private static readonly TimeSpan s_requestTimeout = TimeSpan.FromSeconds(60);

    public async Task<string> OpenAccountAsync(string email, CancellationToken cancellation)
    {
        var answer = await SendAsync(HttpMethod.Post, "admin/accounts", new JsonObject { ["email"] = email }, cancellation);
        return RequireSuccess(answer)["accountId"]!.GetValue<string>();
    }

    public async Task<string> CreateKeyAsync(string accountId, CancellationToken cancellation)
    {
        var answer = await SendAsync(HttpMethod.Post, $"admin/accounts/{accountId}/keys", new JsonObject { ["name"] = "chaos" }, cancellation);
        return RequireSuccess(answer)["key"]!.GetValue<string>();
    }

    /// <summary>Posts a credit once; the outcome says whether the API acknowledged it, never throws for a failure.</summary>
    public async Task<CreditAnswer> PostCreditAsync(string accountId, decimal amountUsd, string id, CancellationToken cancellation)
    {
        try
        {
            var body = new JsonObject { ["amountUsd"] = amountUsd, ["reason"] = "chaos credit", ["id"] = id };
            var answer = await SendAsync(HttpMethod.Post, $"admin/accounts/{accountId}/credits", body, cancellation);
            var outcome = answer.Body?["outcome"]?.GetValue<string>();
            var acknowledged = answer.Status is 200 or 201 && outcome is "Booked" or "AlreadyBooked";
            return new CreditAnswer(acknowledged, acknowledged ? outcome! : $"HTTP {answer.Status} {answer.Body?.ToJsonString()}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return new CreditAnswer(false, ex.GetType().Name + ": " + ex.Message);
        }
    }

    /// <summary>The balance and reservations the admin API reports, in nano-dollars.</summary>
    public async Task<AccountFigures> GetAccountAsync(string accountId, CancellationToken cancellation)
    {
        var answer = RequireSuccess(await SendAsync(HttpMethod.Get, $"admin/accounts/{accountId}", null, cancellation));
        return new AccountFigures(
            Nanos(answer["balanceUsd"]!.GetValue<decimal>()),
            Nanos(answer["reservedUsd"]!.GetValue<decimal>()),
            answer["openReservations"]!.GetValue<int>());
    }

    /// <summary>The account's settled calls as the admin usage page lists them (up to 1000 ledger entries).</summary>
    public async Task<IReadOnlyList<UsageLine>> GetUsageAsync(string accountId, CancellationToken cancellation)
    {
        var answer = RequireSuccess(await SendAsync(HttpMethod.Get, $"admin/accounts/{accountId}/usage?limit=1000", null, cancellation));
        return answer["calls"]!.AsArray().Select(c => new UsageLine(
            c!["callId"]!.GetValue<string>(),
            c["model"]!.GetValue<string>(),
            new Audit.Tokens(
                c["inputTokens"]!.GetValue<long>(),
                c["outputTokens"]!.GetValue<long>() + c["reasoningTokens"]!.GetValue<long>(),
                c["cacheReadTokens"]!.GetValue<long>(),
                c["cacheWrite5mTokens"]!.GetValue<long>(),
                c["cacheWrite1hTokens"]!.GetValue<long>(),
                c["reasoningTokens"]!.GetValue<long>()),
            Nanos(c["costUsd"]!.GetValue<decimal>()),
            c["estimated"]!.GetValue<bool>())).ToList();
    }

    private static long Nanos(decimal usd) => Money.Usd.FromDecimal(usd).Nanos;

    private static JsonNode RequireSuccess(AdminAnswer answer) => answer.Status is >= 200 and < 300 && answer.Body is not null
        ? answer.Body
        : throw new InvalidOperationException($"Admin API answered {answer.Status}: {answer.Body?.ToJsonString()}");

    /// <summary>Tries each edge in turn while one refuses the connection; any other failure is the caller's.</summary>
    private async Task<AdminAnswer> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellation)
    {
        HttpRequestException? refused = null;
        foreach (var edge in edges)
        {
            using var request = new HttpRequestMessage(method, new Uri(edge, path));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (body is not null)
            {
                request.Content = JsonContent.Create(body);
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(s_requestTimeout);
            try
            {
                using var response = await http.SendAsync(request, timeout.Token);
                var text = await response.Content.ReadAsStringAsync(timeout.Token);
                return new AdminAnswer((int)response.StatusCode, text.Length > 0 && text[0] == '{' ? JsonNode.Parse(text) : null);
            }
            catch (HttpRequestException ex) when (Connections.WasRefused(ex))
            {
                refused = ex;
            }
        }
        throw refused ?? new HttpRequestException("no edge to ask");
    }

    private sealed record AdminAnswer(int Status, JsonNode? Body);
}

/// <summary>Whether the admin API acknowledged a credit, and what it said.</summary>
internal sealed record CreditAnswer(bool Acknowledged, string Detail);

/// <summary>One settled call on the admin usage page; <see cref="EntryId"/> is the ledger's <c>call:&lt;callId&gt;</c>.</summary>
internal sealed record UsageLine(string EntryId, string Model, Audit.Tokens Tokens, long CostNanos, bool Estimated);

/// <summary>An account's money as the admin API reports it.</summary>
internal sealed record AccountFigures(long BalanceNanos, long ReservedNanos, int OpenReservations)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"balance {BalanceNanos} n$, reserved {ReservedNanos} n$ ({OpenReservations})");
}
