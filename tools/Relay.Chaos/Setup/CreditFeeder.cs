using System.Collections.Concurrent;
using System.Globalization;

namespace Relay.Chaos.Setup;

/// <summary>A credit the run asked the admin API to book, and whether the API acknowledged it.</summary>
internal sealed record CreditRecord(string AccountId, string Id, long AmountNanos, bool Acknowledged, string Detail);

/// <summary>
/// Tops accounts up through the admin API while the faults happen. Credits that were not acknowledged are posted
/// again afterwards under the same id, as an operator would, so each must end up booked exactly once.
/// </summary>
internal sealed class CreditFeeder(AdminClient admin, string runId, Action<string> log)
{
    private readonly ConcurrentDictionary<string, CreditRecord> _credits = new(StringComparer.Ordinal);

    public IReadOnlyCollection<CreditRecord> Credits => _credits.Values.ToList();

    /// <summary>Credits that were not acknowledged at first and were posted again.</summary>
    public int Retried { get; private set; }

    /// <summary>Books a credit, retrying on failure until it is acknowledged or the attempts run out.</summary>
    public async Task<CreditRecord> PostAsync(string accountId, decimal amountUsd, string name, int attempts, CancellationToken cancellation)
    {
        var id = $"chaos-{runId}-{name}";
        CreditRecord record = null!;
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var answer = await admin.PostCreditAsync(accountId, amountUsd, id, cancellation);
            record = new CreditRecord(accountId, id, Money.Usd.FromDecimal(amountUsd).Nanos, answer.Acknowledged, answer.Detail);
            _credits[id] = record;
            if (answer.Acknowledged)
            {
                break;
            }
            log($"credit {id} not acknowledged: {answer.Detail}");
            await Task.Delay(TimeSpan.FromSeconds(1), cancellation);
        }
        return record;
    }

    /// <summary>One credit every <paramref name="period"/> to the next account in turn, once each, until stopped.</summary>
    public async Task FeedAsync(IReadOnlyList<Tenant> tenants, TimeSpan period, CancellationToken stop)
    {
        for (var n = 1; !stop.IsCancellationRequested; n++)
        {
            var tenant = tenants[n % tenants.Count];
            // Amounts exact to the nano-dollar, never round: 0.10 USD plus n nano-dollars times 7.
            var amount = 0.10m + n * 0.000000007m;
            await PostAsync(tenant.AccountId, amount, "topup-" + n.ToString(CultureInfo.InvariantCulture), attempts: 1, CancellationToken.None);
            try
            {
                await Task.Delay(period, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Posts every unacknowledged credit again under its own id.</summary>
    public async Task RetryUnacknowledgedAsync(CancellationToken cancellation)
    {
        foreach (var credit in _credits.Values.Where(c => !c.Acknowledged).ToList())
        {
            Retried++;
            var amount = new Money.Usd(credit.AmountNanos).ToDecimal();
            await PostAsync(credit.AccountId, amount, credit.Id[$"chaos-{runId}-".Length..], attempts: 5, cancellation);
        }
    }
}
