using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Relay.Accounts;
using Relay.EdgeApi.Hosting;
using Relay.EdgeApi.Telemetry;

namespace Relay.EdgeApi.Calls;

/// <summary>
/// Posts a call's usage to its account grain. Settling is idempotent on the call id, so it is retried freely;
/// it runs on its own deadline, never the request's, so a client that leaves is still charged.
/// </summary>
public sealed class CallSettler
{
    private readonly IGrainFactory _grains;
    private readonly ISettlementObserver _observer;
    private readonly EdgeMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<CallSettler> _logger;
    private readonly TimeSpan _giveUpAfter;
    private readonly ResiliencePipeline<PostingResult> _retry;

    public CallSettler(IGrainFactory grains, ISettlementObserver observer, EdgeMetrics metrics, TimeProvider time, IOptions<RelayOptions> options, ILogger<CallSettler> logger)
    {
        _grains = grains;
        _observer = observer;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        var settlement = options.Value.Settlement;
        _giveUpAfter = settlement.GiveUpAfter;
        _retry = new ResiliencePipelineBuilder<PostingResult>()
            .AddRetry(new RetryStrategyOptions<PostingResult>
            {
                MaxRetryAttempts = Math.Max(0, settlement.MaxAttempts - 1),
                Delay = TimeSpan.FromMilliseconds(100),
                BackoffType = DelayBackoffType.Exponential,
                MaxDelay = TimeSpan.FromSeconds(5),
                UseJitter = true,
                ShouldHandle = new PredicateBuilder<PostingResult>().Handle<Exception>(ex => ex is not OperationCanceledException),
                OnRetry = args =>
                {
                    Log.SettlementRetry(_logger, args.Outcome.Exception, args.Context.OperationKey ?? "", args.AttemptNumber + 1);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public async Task<PostingResult?> SettleAsync(string accountId, string callId, UsageRecord usage)
    {
        // Called the moment the answer has ended, so the lag runs from there to the grain's acknowledgement.
        var answerEnded = _time.GetTimestamp();
        using var deadline = new CancellationTokenSource(_giveUpAfter);
        var context = ResilienceContextPool.Shared.Get(callId, deadline.Token);
        PostingResult? result = null;
        try
        {
            var account = _grains.GetGrain<IAccountCallsGrain>(accountId);
            var settlement = new Settlement(callId, usage);
            result = await _retry.ExecuteAsync(static async (_, state) => await state.account.SettleAsync(state.settlement), context, (account, settlement));
            _metrics.RecordSettlementLag(_time.GetElapsedTime(answerEnded), result.Outcome);
            if (result.Outcome is PostingOutcome.Booked or PostingOutcome.AlreadyBooked or PostingOutcome.Released)
            {
                Log.CallSettled(_logger, callId, usage.Model, usage.Channel, usage.Tokens.Total, usage.Cost.ToString(), usage.Estimated);
                if (result.Outcome == PostingOutcome.Booked)
                {
                    _metrics.RecordCharge(usage.Model, usage.Cost.Nanos);
                }
            }
            else
            {
                Log.SettlementNotBooked(_logger, callId, result.Outcome.ToString());
            }
        }
        catch (Exception ex)
        {
            _metrics.RecordSettlementFailure();
            Log.SettlementAbandoned(_logger, ex, callId, usage.ToString());
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
        _observer.OnSettled(new SettledCall(callId, accountId, usage, result));
        return result;
    }
}
