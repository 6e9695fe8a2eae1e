using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Relay.Simulator.Hosting;

namespace Relay.Simulator.Alipay;

/// <summary>
/// Posts a paid trade's asynchronous notification to the merchant's <c>notify_url</c> as Alipay does: form-encoded,
/// signed with the stand-in's platform key, the same <c>notify_id</c> on every send, and sent again on the retry
/// schedule until the merchant answers exactly <c>success</c> or the schedule runs out.
/// </summary>
internal sealed partial class AlipayNotifier(
    IHttpClientFactory clients,
    AlipayTradeBook trades,
    IOptionsMonitor<SimulatorOptions> options,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<AlipayNotifier> logger)
{
    public const string HttpClientName = "alipay-notify";

    private static readonly TimeSpan ChinaStandardTime = TimeSpan.FromHours(8);

    private readonly ConcurrentDictionary<string, byte> _retrying = new(StringComparer.Ordinal);

    /// <summary>Delivers now; if that fails, goes on delivering in the background. True when this delivery succeeded.</summary>
    public async Task<bool> NotifyAsync(AlipayTradeView trade)
    {
        var stopping = lifetime.ApplicationStopping;
        if (await SendAsync(trade.OutTradeNo, stopping) is not { } delivery)
        {
            return false;
        }
        // One retry schedule per trade, however often the pay button is pressed meanwhile.
        if (!delivery.Succeeded && _retrying.TryAdd(trade.OutTradeNo, 0))
        {
            _ = RetryAsync(trade.OutTradeNo, stopping);
        }
        return Record(trade.OutTradeNo, delivery);
    }

    /// <summary>Alipay's dates: China Standard Time, <c>yyyy-MM-dd HH:mm:ss</c>.</summary>
    public static string ChinaTime(DateTimeOffset at) =>
        at.ToOffset(ChinaStandardTime).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>
    /// Sends again after each delay until a delivery succeeds. Each wait is started before the delivery that precedes
    /// it is recorded, so whoever sees that record (a test moving a fake clock) finds the next wait already running.
    /// </summary>
    private async Task RetryAsync(string outTradeNo, CancellationToken stopping)
    {
        try
        {
            var delays = options.CurrentValue.Alipay.EffectiveRetryDelays;
            var wake = Task.Delay(delays[0], clock, stopping);
            for (var i = 0; i < delays.Count; i++)
            {
                await wake;
                if (trades.Find(outTradeNo)?.Notified != false || await SendAsync(outTradeNo, stopping) is not { } delivery)
                {
                    return;
                }
                if (!delivery.Succeeded && i + 1 < delays.Count)
                {
                    wake = Task.Delay(delays[i + 1], clock, stopping);
                }
                if (Record(outTradeNo, delivery))
                {
                    return;
                }
            }
            LogGaveUp(outTradeNo);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            _retrying.TryRemove(outTradeNo, out _);
        }
    }

    /// <summary>Posts the notification once, signed at the moment of sending; null when the order named no notify_url.</summary>
    private async Task<AlipayDelivery?> SendAsync(string outTradeNo, CancellationToken stopping)
    {
        var trade = trades.Find(outTradeNo) ?? throw new InvalidOperationException($"No trade for {outTradeNo}.");
        if (trade.NotifyUrl is null)
        {
            return null;
        }
        var now = clock.GetUtcNow();
        var fields = new Dictionary<string, string>(trade.Fields, StringComparer.Ordinal) { ["notify_time"] = ChinaTime(now) };
        Dictionary<string, string> notification;
        using (var key = AlipaySignatures.LoadPem(options.CurrentValue.Alipay.PlatformPrivateKey!))
        {
            notification = AlipaySignatures.Signed(key, fields);
        }
        try
        {
            using var content = new FormUrlEncodedContent(notification);
            using var response = await clients.CreateClient(HttpClientName).PostAsync(new Uri(trade.NotifyUrl), content, stopping);
            var reply = await response.Content.ReadAsStringAsync(stopping);
            return new AlipayDelivery(0, now, notification, (int)response.StatusCode, reply.Length <= 200 ? reply : reply[..200], null);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !stopping.IsCancellationRequested))
        {
            return new AlipayDelivery(0, now, notification, null, null, e.Message);
        }
    }

    private bool Record(string outTradeNo, AlipayDelivery delivery)
    {
        var trade = trades.Record(outTradeNo, delivery);
        var recorded = trade.Deliveries[^1];
        LogDelivered(outTradeNo, recorded.Attempt, trade.NotifyUrl!, recorded.Status, recorded.Reply ?? recorded.Error);
        return recorded.Succeeded;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alipay stand-in notified {OutTradeNo} (attempt {Attempt}) at {NotifyUrl}: {Status} {Reply}")]
    private partial void LogDelivered(string outTradeNo, int attempt, string notifyUrl, int? status, string? reply);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alipay stand-in gave up notifying {OutTradeNo}: the retry schedule ran out")]
    private partial void LogGaveUp(string outTradeNo);
}
