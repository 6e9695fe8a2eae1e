using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.EdgeApi.Accounts;
using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Channels;
using Relay.EdgeApi.Errors;
using Relay.EdgeApi.Hosting;
using Relay.EdgeApi.Protocols;
using Relay.EdgeApi.Telemetry;
using Relay.EdgeApi.Translation;
using Relay.Money;

namespace Relay.EdgeApi.Calls;

/// <summary>
/// The life of one call: authenticate, read and inspect the body, resolve the model, admit through the account
/// grain, send upstream, stream the answer back through a meter, settle. Every refusal before the upstream
/// speaks the client's protocol and changes no balance; every admitted call is settled exactly once, also when
/// the edge is stopping (see <see cref="CallDrain"/>).
/// </summary>
public sealed partial class CallRelay(
    CallerResolver callers,
    DeviceIdentity devices,
    ModelCatalog catalog,
    ChannelRouter router,
    UpstreamCaller upstream,
    CallSettler settler,
    CallDrain drain,
    BodyBudget bodies,
    FeaturePolicy features,
    IGrainFactory grains,
    EdgeMetrics metrics,
    TimeProvider time,
    IOptionsMonitor<RelayOptions> options,
    ILogger<CallRelay> logger)
{
    private const int ChunkSize = 64 * 1024;

    private static readonly string[] s_relayedResponseHeaders =
        ["request-id", "x-request-id", "openai-processing-ms", "openai-version", "retry-after", "cache-control"];

    public async Task HandleAsync(HttpContext context, WireProtocol protocol)
    {
        var started = time.GetTimestamp();
        var callId = "call_" + Guid.CreateVersion7().ToString("N");
        var dialect = protocol == WireProtocol.AnthropicMessages ? ErrorDialect.Anthropic : ErrorDialect.OpenAI;
        context.Response.Headers["x-relay-call-id"] = callId;
        var settings = options.CurrentValue;
        using var activity = EdgeMetrics.ActivitySource.StartActivity("relay.call");
        activity?.SetTag("relay.call_id", callId);
        activity?.SetTag("relay.protocol", protocol.ToString());

        using var open = drain.TryOpen();
        if (open is null)
        {
            // A connection kept alive across the start of the drain; the retry should go to an edge that is not stopping.
            context.Response.Headers.Connection = "close";
            await UnavailableAsync("edge_stopping", "This Relay edge is restarting; the call was not sent upstream and you were not charged. Try again.");
            return;
        }

        // The key first: a body is read (and held) only for a caller with a live key.
        Authentication authentication;
        try
        {
            authentication = await callers.AuthenticateAsync(context);
        }
        catch (Exception ex) when (ServiceUnavailable.IsClusterUnavailable(ex))
        {
            LogClusterUnavailable(logger, ex, callId);
            await UnavailableAsync("cluster_unavailable", ServiceUnavailable.ClusterUnavailableMessage);
            return;
        }
        if (authentication.Caller is not { } caller)
        {
            await RefuseAsync(authentication.Refusal!);
            return;
        }

        var (read, problem) = await RequestBodies.ReadAsync(context, settings.Limits.MaxRequestBodyBytes, bodies);
        if (problem == BodyProblem.Busy)
        {
            await UnavailableAsync("edge_busy", "This Relay edge is receiving too many large requests right now; nothing was sent upstream and you were not charged. Try again in a moment.");
            return;
        }
        if (read is null)
        {
            await RefuseAsync(new Refusal(RefusalKind.TooLarge, $"The request body is larger than {settings.Limits.MaxRequestBodyBytes} bytes, the most Relay accepts."));
            return;
        }
        using var held = read;
        var body = held.Memory;

        var inspection = RequestInspector.Inspect(protocol, body.Span);
        if (inspection.Facts is not { } facts)
        {
            await RefuseAsync(new Refusal(RefusalKind.InvalidRequest, inspection.ProblemMessage ?? "The request body is not valid.", inspection.ProblemField));
            return;
        }
        if (string.IsNullOrWhiteSpace(facts.Model))
        {
            await RefuseAsync(new Refusal(RefusalKind.InvalidRequest, "model: Field required.", "model"));
            return;
        }

        var model = catalog.Resolve(facts.Model);
        var upstreamProtocol = model is null ? null : router.UpstreamProtocolFor(model, protocol);
        if (model is null || upstreamProtocol is null)
        {
            var reason = model is null ? "does not exist on Relay" : "is not served by any channel right now";
            await RefuseAsync(new Refusal(RefusalKind.ModelNotFound, $"model: The model '{facts.Model}' {reason}. GET /v1/models (with your key) lists the models you can use.", "model"));
            return;
        }

        // No channel speaks the client's protocol for this model: the call goes upstream in another one. The
        // translation is a function of the body as it is forwarded, and is made before admission so that a request
        // that cannot be translated is refused (400 naming the field) without touching the account.
        CallTranslation? translation = null;
        if (upstreamProtocol != protocol)
        {
            var translated = CallTranslation.Translate(protocol, upstreamProtocol.Value, body.Span, settings.Admission.DefaultOutputTokens);
            if (translated.Call is not { } translatedCall)
            {
                await RefuseAsync(new Refusal(RefusalKind.InvalidRequest, translated.ProblemMessage ?? "The request cannot be translated.", translated.ProblemField));
                return;
            }
            translation = translatedCall;
            activity?.SetTag("relay.upstream_protocol", upstreamProtocol.Value.ToString());
            context.Response.Headers["x-relay-translated-to"] = CallTranslation.ApiName(upstreamProtocol.Value);
        }

        activity?.SetTag("gen_ai.request.model", model.Id);
        if (features.Check(protocol, model, facts, context.Request.Headers) is { } unpriced)
        {
            await RefuseAsync(unpriced);
            return;
        }
        var account = grains.GetGrain<IAccountCallsGrain>(caller.AccountId);
        var estimate = model.Price.Charge(new TokenUsage(facts.EstimatedInputTokens, facts.MaxOutputTokens ?? settings.Admission.DefaultOutputTokens));
        var device = devices.Of(context);
        Admission admission;
        try
        {
            admission = await account.AdmitAsync(new AdmissionRequest(callId, device, estimate));
        }
        catch (Exception ex)
        {
            // The admission's outcome is unknown (its silo died or did not answer in time), and reservations are
            // durable: release whatever it may have reserved, so a call that never went upstream cannot expire into
            // a charge. The settler retries in the background (a stopping edge waits for it); the client gets its
            // error now.
            drain.Track(settler.SettleAsync(caller.AccountId, callId, new UsageRecord(model.Id, "", TokenUsage.None, Usd.Zero, Estimated: false)));
            if (!ServiceUnavailable.IsClusterUnavailable(ex))
            {
                throw;
            }
            LogClusterUnavailable(logger, ex, callId);
            await UnavailableAsync("cluster_unavailable", ServiceUnavailable.ClusterUnavailableMessage);
            return;
        }
        if (!admission.Admitted)
        {
            await RefuseAsync(RefusalOf(admission, device));
            return;
        }
        context.Response.Headers["x-relay-balance-available"] = admission.Available.ToString();
        // Asked now, answered when the reservation has committed: meanwhile the call goes upstream.
        var durable = ConfirmedAsync(account, callId);

        var settlement = new UsageRecord(model.Id, "", TokenUsage.None, Usd.Zero, Estimated: false);
        try
        {
            settlement = await RelayAsync(context, account, callId, protocol, dialect, body, facts, model, started, translation, durable);
        }
        finally
        {
            activity?.SetTag("relay.channel", settlement.Channel);
            activity?.SetTag("gen_ai.usage.input_tokens", settlement.Tokens.InputTokens);
            activity?.SetTag("gen_ai.usage.output_tokens", settlement.Tokens.OutputTokens);
            activity?.SetTag("relay.cost_nanousd", settlement.Cost.Nanos);
            activity?.SetTag("relay.usage_estimated", settlement.Estimated);
            // The client has its whole answer. The settlement goes on after the handler returns, so that the
            // connection takes its next request at once; the drain keeps the edge from stopping before it is booked.
            drain.Track(SettleAsync(caller.AccountId, callId, settlement, model));
        }

        Task RefuseAsync(Refusal refusal)
        {
            activity?.SetTag("relay.refusal", refusal.Reason);
            metrics.RecordRefusal(refusal.Reason);
            Log.CallRefused(logger, callId, refusal.Reason);
            return ErrorBodies.WriteAsync(context, refusal, dialect, callId);
        }

        Task UnavailableAsync(string reason, string message)
        {
            activity?.SetTag("relay.refusal", reason);
            metrics.RecordRefusal(reason);
            Log.CallRefused(logger, callId, reason);
            return ServiceUnavailable.WriteAsync(context, dialect, message, callId);
        }
    }

    private async Task SettleAsync(string accountId, string callId, UsageRecord settlement, CatalogModel model)
    {
        await settler.SettleAsync(accountId, callId, settlement);
        if (settlement.Tokens.Total > 0)
        {
            metrics.RecordUsage(model.Id, model.Provider, settlement.Tokens);
        }
    }

    /// <summary>Whether the call's reservation is durable; false also when the cluster could not say.</summary>
    private async Task<bool> ConfirmedAsync(IAccountCallsGrain account, string callId)
    {
        try
        {
            return await account.ConfirmReservationAsync(callId);
        }
        catch (Exception ex)
        {
            LogNotConfirmed(logger, ex, callId);
            return false;
        }
    }

    /// <summary>
    /// Sends the admitted call upstream and relays the answer; returns what to settle. The upstream call starts
    /// while the reservation commits (<paramref name="durable"/>); nothing is forwarded to the client before it
    /// has, and if it cannot, the upstream call is ended at once and the client told to try again.
    /// </summary>
    private async Task<UsageRecord> RelayAsync(
        HttpContext context, IAccountCallsGrain account, string callId, WireProtocol protocol, ErrorDialect dialect, ReadOnlyMemory<byte> body, RequestFacts facts,
        CatalogModel model, long started, CallTranslation? translation, Task<bool> durable)
    {
        var clientGone = context.RequestAborted;
        // The answer ends early when the client leaves, or when the edge has stopped and its drain time is over;
        // the upstream call also when the reservation cannot be made durable.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(clientGone, drain.DrainOver);
        _ = durable.ContinueWith(
            static (confirmed, state) =>
            {
                if (!confirmed.Result)
                {
                    try
                    {
                        ((CancellationTokenSource)state!).Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                        // The call was over already.
                    }
                }
            },
            ending,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        var ended = ending.Token;
        // A translated call goes upstream in the upstream's protocol, without the client's query (it belongs to the client's API).
        var upstreamProtocol = translation?.Upstream ?? protocol;
        var upstreamBody = translation?.UpstreamBody ?? body;
        var upstreamFacts = translation is null ? facts : RequestInspector.Inspect(upstreamProtocol, upstreamBody.Span).Facts!;
        var call = new UpstreamCall(callId, upstreamProtocol, upstreamBody, upstreamFacts, model, translation is null ? context.Request.QueryString.Value : null, context.Request.Headers);
        var outcome = await upstream.SendAsync(call, ended);
        var nothing = new UsageRecord(model.Id, "", TokenUsage.None, Usd.Zero, Estimated: false);
        if (outcome.Exchange is not { } exchange)
        {
            switch (outcome.Failure)
            {
                case UpstreamFailure.ClientGone when durable.IsCompleted && !durable.Result && !clientGone.IsCancellationRequested:
                    await NotDurableAsync();
                    break;
                case UpstreamFailure.ClientGone when drain.DrainOver.IsCancellationRequested && !clientGone.IsCancellationRequested:
                    LogCutByDrain(logger, callId);
                    metrics.RecordRefusal("edge_stopping");
                    await ServiceUnavailable.WriteAsync(context, dialect, "This Relay edge restarted before the upstream answered; you were not charged. Try again.", callId);
                    break;
                case UpstreamFailure.ClientGone:
                    Log.ClientGone(logger, callId);
                    break;
                case UpstreamFailure.Unavailable:
                    await RefuseAfterAdmissionAsync(new Refusal(RefusalKind.UpstreamUnavailable, $"The model '{model.Id}' is overloaded upstream right now; try again shortly."));
                    break;
                default:
                    await RefuseAfterAdmissionAsync(new Refusal(RefusalKind.UpstreamFailed, $"The upstream provider did not answer ({outcome.Detail}); you were not charged. Try again."));
                    break;
            }
            return nothing;
        }

        using (exchange)
        {
            var channel = exchange.Channel;
            var response = exchange.Response;
            nothing = nothing with { Channel = channel.Name };
            if (!response.IsSuccessStatusCode)
            {
                await RelayUpstreamErrorAsync(context, exchange, dialect, callId, translation);
                return nothing;
            }
            if (!await durable)
            {
                // Disposing the exchange ends the upstream call; the reservation, if any, is released by the settlement.
                await NotDurableAsync();
                return nothing;
            }
            MarkStarted(account, callId);

            CopyResponseHeaders(context.Response, response);
            context.Response.StatusCode = (int)response.StatusCode;
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

            var streamed = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
            if (translation is not null && !streamed)
            {
                return await RelayWholeTranslatedAsync(context, exchange, translation, callId, upstreamBody, model, started, ended);
            }
            // The meter reads the upstream's own protocol, so the charge is what the provider reported; a translator
            // after it turns the same bytes into the client's protocol, event by event.
            var meter = streamed
                ? StreamMeters.Create(upstreamProtocol, stripUsageOnlyChunk: translation is null && protocol == WireProtocol.OpenAIChat && facts.Stream && !facts.ClientAskedForUsage)
                : new WholeAnswerMeter(upstreamProtocol);
            using var translator = translation?.CreateStream(time.GetUtcNow().ToUnixTimeSeconds());
            CopiedAnswer answer;
            await using (var answerBody = await exchange.OpenIdleTimedBodyAsync())
            {
                answer = await new AnswerCopier(meter, translator).CopyAsync(answerBody, context.Response.BodyWriter, clientGone, drain.DrainOver,
                    () => metrics.RecordTimeToFirstToken(model.Id, time.GetElapsedTime(started)));
            }

            switch (answer.End)
            {
                case AnswerEnd.ClientGone:
                    Log.ClientGone(logger, callId);
                    break;
                case AnswerEnd.CutByUpstream:
                    var error = answer.UpstreamError!;
                    metrics.RecordUpstreamError(channel.Name, error is UpstreamIdleTimeoutException ? "timeout_mid_stream" : "cut_mid_stream");
                    Log.UpstreamCut(logger, callId, channel.Name, error.Message);
                    // Ending the response cleanly would pass a truncated answer off as whole; abort it as the upstream did.
                    context.Abort();
                    break;
                case AnswerEnd.CutByDrain:
                    // The drain time ran out with the answer still coming: the client is there, and must not take a
                    // part for the whole, so the answer is cut as an upstream cut it.
                    LogCutByDrain(logger, callId);
                    context.Abort();
                    break;
                default:
                    // The client has its whole answer before the edge settles.
                    await context.Response.CompleteAsync();
                    break;
            }

            var seen = answer.Metered;
            // The provider's own count when it gave a final one (also when the stream broke after it), else an estimate.
            var reported = seen.Usage is not null && (seen.UsageFinal || (seen.Finished && answer.End == AnswerEnd.Complete));
            var tokens = reported ? seen.Usage! : UsageEstimator.Estimate(upstreamProtocol, upstreamBody.Span, seen);
            // Web searches are billed per search, beside the tokens their results add.
            var cost = model.Price.Charge(tokens) + features.ServerToolCharge(seen.WebSearchRequests);
            return new UsageRecord(model.Id, channel.Name, tokens, cost, Estimated: !reported, seen.UpstreamId) { WebSearchRequests = seen.WebSearchRequests };
        }

        Task NotDurableAsync()
        {
            metrics.RecordRefusal("reservation_not_durable");
            Log.CallRefused(logger, callId, "reservation_not_durable");
            return ServiceUnavailable.WriteAsync(context, dialect, "Relay could not record this call, so it was not answered and you were not charged. Try again.", callId);
        }

        Task RefuseAfterAdmissionAsync(Refusal refusal)
        {
            metrics.RecordRefusal(refusal.Reason);
            Log.CallRefused(logger, callId, refusal.Reason);
            return ErrorBodies.WriteAsync(context, refusal, dialect, callId);
        }
    }

    /// <summary>
    /// A whole (non-streamed) answer to a translated call: it is read whole (it is one JSON document), metered in the
    /// upstream's protocol, and written in the client's. An answer that breaks off is an upstream failure for the
    /// client; what the upstream produced before it is estimated and charged, as for an answer relayed as it is.
    /// </summary>
    private async Task<UsageRecord> RelayWholeTranslatedAsync(
        HttpContext context, UpstreamExchange exchange, CallTranslation translation, string callId, ReadOnlyMemory<byte> upstreamRequest, CatalogModel model, long started, CancellationToken ended)
    {
        var whole = new ArrayBufferWriter<byte>();
        var broke = false;
        try
        {
            await using var answerBody = await exchange.OpenIdleTimedBodyAsync();
            int read;
            while ((read = await answerBody.ReadAsync(whole.GetMemory(ChunkSize), ended)) > 0)
            {
                whole.Advance(read);
                if (whole.WrittenCount > WholeAnswerMeter.DefaultMaxBytes)
                {
                    throw new IOException($"The upstream answer is larger than {WholeAnswerMeter.DefaultMaxBytes} bytes.");
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && ended.IsCancellationRequested)
        {
            Log.ClientGone(logger, callId);
            broke = true;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or UpstreamIdleTimeoutException)
        {
            metrics.RecordUpstreamError(exchange.Channel.Name, ex is UpstreamIdleTimeoutException ? "timeout_mid_stream" : "cut_mid_stream");
            Log.UpstreamCut(logger, callId, exchange.Channel.Name, ex.Message);
            broke = true;
            await ErrorBodies.WriteAsync(context, new Refusal(RefusalKind.UpstreamFailed, "The upstream provider's answer broke off before it was whole. Try again."), translation.Client == WireProtocol.AnthropicMessages ? ErrorDialect.Anthropic : ErrorDialect.OpenAI, callId);
        }

        var seen = ResponseMeters.Read(translation.Upstream, whole.WrittenSpan);
        if (!broke)
        {
            var reply = translation.TranslateAnswer(whole.WrittenSpan, time.GetUtcNow().ToUnixTimeSeconds());
            metrics.RecordTimeToFirstToken(model.Id, time.GetElapsedTime(started));
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = reply.Body.Length;
            try
            {
                await context.Response.Body.WriteAsync(reply.Body, ended);
                await context.Response.CompleteAsync();
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                Log.ClientGone(logger, callId);
            }
        }
        var reported = seen.Usage is not null && seen.UsageFinal;
        var tokens = reported ? seen.Usage! : UsageEstimator.Estimate(translation.Upstream, upstreamRequest.Span, seen);
        var cost = model.Price.Charge(tokens) + features.ServerToolCharge(seen.WebSearchRequests);
        return new UsageRecord(model.Id, exchange.Channel.Name, tokens, cost, Estimated: !reported, seen.UpstreamId) { WebSearchRequests = seen.WebSearchRequests };
    }

    /// <summary>
    /// An upstream that refused before answering is answered with its status and error type, so clients retry where
    /// they would have, in the client's protocol with Relay's own message (<see cref="UpstreamErrorBodies"/>: the
    /// provider's message may name the operator's organization or project), and the provider's request id header.
    /// An upstream refusing Relay's own credentials is Relay's fault, not the client's: that becomes a 502 rather
    /// than a 401 that would blame the client's key.
    /// </summary>
    private async Task RelayUpstreamErrorAsync(HttpContext context, UpstreamExchange exchange, ErrorDialect dialect, string callId, CallTranslation? translation)
    {
        var status = (int)exchange.Response.StatusCode;
        if (status is 401 or 403 or 407)
        {
            metrics.RecordUpstreamError(exchange.Channel.Name, "credentials_refused");
            await ErrorBodies.WriteAsync(context, new Refusal(RefusalKind.UpstreamFailed, "The upstream provider refused Relay's credentials; you were not charged. The operator has been alerted."), dialect, callId);
            return;
        }
        if (translation is not null)
        {
            await RelayTranslatedErrorAsync(context, exchange, translation, callId);
            return;
        }
        var upstreamBody = new ArrayBufferWriter<byte>();
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            await using var stream = await exchange.OpenBodyAsync();
            int read;
            while (upstreamBody.WrittenCount < UpstreamErrorBodies.MaxBodyBytes
                && (read = await exchange.ReadAsync(stream, chunk.AsMemory(0, ChunkSize))) > 0)
            {
                upstreamBody.Write(chunk.AsSpan(0, read));
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or UpstreamIdleTimeoutException or OperationCanceledException)
        {
            // What came of the body is enough: the status says the most.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        CopyResponseHeaders(context.Response, exchange.Response);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        var providerRequestId = exchange.Response.Headers.TryGetValues("request-id", out var ids) ? ids.FirstOrDefault() : null;
        var body = UpstreamErrorBodies.Rewrite(status, upstreamBody.WrittenSpan, dialect, providerRequestId ?? callId);
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>An upstream error to a translated call, in the client's shape and status (Anthropic's 529 is 503 for OpenAI clients).</summary>
    private static async Task RelayTranslatedErrorAsync(HttpContext context, UpstreamExchange exchange, CallTranslation translation, string callId)
    {
        const int MaxErrorBytes = 1 << 20;
        var body = new ArrayBufferWriter<byte>();
        try
        {
            await using var upstreamBody = await exchange.OpenBodyAsync();
            int read;
            while (body.WrittenCount < MaxErrorBytes && (read = await exchange.ReadAsync(upstreamBody, body.GetMemory(ChunkSize))) > 0)
            {
                body.Advance(read);
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or UpstreamIdleTimeoutException or OperationCanceledException)
        {
            // What came of the body is translated; an error without one still has its status.
        }
        var status = (int)exchange.Response.StatusCode;
        var reply = translation.TranslateError(status, body.WrittenSpan, translation.Client == WireProtocol.AnthropicMessages ? callId : null);
        // Translated or not, the provider's words may name the operator's account: Relay's own, as for any upstream error.
        var clientDialect = translation.Client == WireProtocol.AnthropicMessages ? ErrorDialect.Anthropic : ErrorDialect.OpenAI;
        var sanitized = UpstreamErrorBodies.Rewrite(reply.Status, reply.Body, clientDialect, translation.Client == WireProtocol.AnthropicMessages ? callId : null);
        if (exchange.Response.Headers.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString();
        }
        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = sanitized.Length;
        await context.Response.Body.WriteAsync(sanitized, context.RequestAborted);
    }

    [LoggerMessage(105, LogLevel.Warning, "Call {CallId}: the cluster did not answer; refused with 503")]
    private static partial void LogClusterUnavailable(ILogger logger, Exception exception, string callId);

    [LoggerMessage(106, LogLevel.Warning, "Call {CallId}: cut at the end of the edge's drain time")]
    private static partial void LogCutByDrain(ILogger logger, string callId);

    [LoggerMessage(107, LogLevel.Warning, "Call {CallId}: its account could not confirm the reservation; not answered")]
    private static partial void LogNotConfirmed(ILogger logger, Exception exception, string callId);

    private static void CopyResponseHeaders(HttpResponse to, HttpResponseMessage from)
    {
        if (from.Content.Headers.ContentType is { } contentType)
        {
            to.ContentType = contentType.ToString();
        }
        foreach (var name in s_relayedResponseHeaders)
        {
            if (from.Headers.TryGetValues(name, out var values))
            {
                to.Headers[name] = values.ToArray();
            }
        }
    }

    /// <summary>
    /// Tells the account the upstream answered (one-way: the call does not wait), so that if this edge dies
    /// before settling, the reservation is charged; a call whose upstream never answered is released instead.
    /// </summary>
    private void MarkStarted(IAccountCallsGrain account, string callId)
    {
        try
        {
            _ = account.MarkStartedAsync(callId);
        }
        catch (Exception e) when (ServiceUnavailable.IsClusterUnavailable(e))
        {
            // The settlement that follows books the call anyway; only an edge crash before it would go uncharged.
            Log.StartNotSent(logger, callId);
        }
    }

    private static Refusal RefusalOf(Admission admission, string device) => admission.Outcome switch
    {
        AdmissionOutcome.InsufficientBalance => new Refusal(
            RefusalKind.InsufficientBalance,
            $"Your Relay balance is too low for this call (available: {admission.Available.ToDecimal().ToString("0.00####", CultureInfo.InvariantCulture)} USD). Top up to continue."),
        AdmissionOutcome.DeviceLimit => new Refusal(RefusalKind.DeviceLimit, DeviceLimitMessage(admission, device)),
        AdmissionOutcome.AccountDisabled => new Refusal(RefusalKind.AccountDisabled, "This Relay account is disabled. Contact support."),
        AdmissionOutcome.AlreadyReleased => new Refusal(RefusalKind.Internal, "This call was cancelled inside Relay before it started; you were not charged. Try again."),
        _ => new Refusal(RefusalKind.Unauthenticated, "Invalid API key: its account does not exist."),
    };

    private static string DeviceLimitMessage(Admission admission, string device)
    {
        var active = admission.ActiveDevices
            .OrderByDescending(d => d.LastActive)
            .Select(d => $"{d.Device} (last active {d.LastActive.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC)");
        return $"This account already has {admission.ActiveDevices.Count} devices active at the same time, the most allowed: {string.Join(", ", active)}. "
            + $"This device ({device}) can make calls once one of them stops making calls for a while and its slot frees, or when you free a slot by revoking a device in your account.";
    }
}
