namespace Relay.Simulator.Alipay;

/// <summary>One delivery of a notification to the merchant's <c>notify_url</c>, as <c>GET /_sim/alipay/trades</c> lists it.</summary>
/// <param name="Notification">The form fields posted, signature included.</param>
/// <param name="Status">The HTTP status the merchant answered, or null when it could not be reached.</param>
/// <param name="Reply">The start of the merchant's reply body; Alipay stops only on exactly <c>success</c>.</param>
/// <param name="Error">Why the merchant could not be reached, or null.</param>
public sealed record AlipayDelivery(
    int Attempt, DateTimeOffset At, IReadOnlyDictionary<string, string> Notification, int? Status, string? Reply, string? Error)
{
    public bool Succeeded => Status is >= 200 and < 300 && Reply == "success";
}

/// <summary>A trade the stand-in's buyer paid: one per <c>out_trade_no</c>, however often the pay button is pressed.</summary>
public sealed record AlipayTradeView(
    string OutTradeNo,
    string TradeNo,
    string TotalAmount,
    string Subject,
    string TradeStatus,
    DateTimeOffset PaidAt,
    string? NotifyUrl,
    string? ReturnUrl,
    IReadOnlyList<AlipayDelivery> Deliveries)
{
    /// <summary>The notification's fields but <c>notify_time</c>, <c>sign</c> and <c>sign_type</c>, fixed at payment; re-sends repeat them.</summary>
    internal IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();

    public bool Notified => Deliveries.Any(d => d.Succeeded);
}

/// <summary>The stand-in's trades and every notification delivery, thread-safe, in memory for the simulator's life.</summary>
public sealed class AlipayTradeBook
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, AlipayTradeView> _trades = new(StringComparer.Ordinal);
    private readonly List<(Func<AlipayTradeView, bool> Match, TaskCompletionSource<AlipayTradeView> Signal)> _waiters = [];

    public IReadOnlyList<AlipayTradeView> Snapshot()
    {
        lock (_lock)
        {
            return [.. _trades.Values.OrderBy(t => t.PaidAt)];
        }
    }

    /// <summary>Completes with the first trade that matches, now or after a later payment or delivery.</summary>
    public Task<AlipayTradeView> WaitForAsync(Func<AlipayTradeView, bool> match, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(match);
        lock (_lock)
        {
            var found = _trades.Values.FirstOrDefault(match);
            if (found is not null)
            {
                return Task.FromResult(found);
            }
            var signal = new TaskCompletionSource<AlipayTradeView>(TaskCreationOptions.RunContinuationsAsynchronously);
            var waiter = (match, signal);
            _waiters.Add(waiter);
            if (cancellationToken.CanBeCanceled)
            {
                var registration = cancellationToken.Register(() =>
                {
                    lock (_lock)
                    {
                        _waiters.Remove(waiter);
                    }
                    signal.TrySetCanceled(cancellationToken);
                });
                _ = signal.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            return signal.Task;
        }
    }

    internal AlipayTradeView? Find(string outTradeNo)
    {
        lock (_lock)
        {
            return _trades.GetValueOrDefault(outTradeNo);
        }
    }

    /// <summary>The trade already paid for the order, or the one <paramref name="create"/> makes now.</summary>
    internal AlipayTradeView Pay(string outTradeNo, Func<AlipayTradeView> create)
    {
        AlipayTradeView trade;
        lock (_lock)
        {
            if (_trades.TryGetValue(outTradeNo, out var paid))
            {
                return paid;
            }
            trade = _trades[outTradeNo] = create();
        }
        Signal(trade);
        return trade;
    }

    /// <summary>Adds a delivery (numbered here, in the order recorded) and answers the trade as it now is.</summary>
    internal AlipayTradeView Record(string outTradeNo, AlipayDelivery delivery)
    {
        AlipayTradeView trade;
        lock (_lock)
        {
            var before = _trades[outTradeNo];
            trade = _trades[outTradeNo] = before with
            {
                Deliveries = [.. before.Deliveries, delivery with { Attempt = before.Deliveries.Count + 1 }],
            };
        }
        Signal(trade);
        return trade;
    }

    private void Signal(AlipayTradeView trade)
    {
        List<TaskCompletionSource<AlipayTradeView>> matched = [];
        lock (_lock)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(trade))
                {
                    matched.Add(_waiters[i].Signal);
                    _waiters.RemoveAt(i);
                }
            }
        }
        foreach (var signal in matched)
        {
            signal.TrySetResult(trade);
        }
    }
}
