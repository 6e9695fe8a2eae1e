using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Relay.Simulator.Hosting;
using Relay.Simulator.Providers;
using Relay.Simulator.Served;
using Relay.Simulator.Streaming;

namespace Relay.Simulator.Calls;

/// <summary>Answers one provider call: auth, body, pacing, faults, the answer or stream, and the served record.</summary>
internal sealed class CallHandler(
    IOptionsMonitor<SimulatorOptions> options,
    ServedCallLog served,
    TimeProvider time,
    IHostApplicationLifetime lifetime)
{
    public async Task HandleAsync(HttpContext http, IProviderDialect dialect)
    {
        var aborted = http.RequestAborted;
        var settings = options.CurrentValue;
        var requestId = dialect.StampResponse(http.Response);

        if (!KeyGate.Admits(http.Request, dialect.AcceptsXApiKey, settings, out var presentedKey))
        {
            await WriteErrorAsync(http, dialect.Unauthorized(presentedKey, requestId), aborted);
            return;
        }

        var body = await ReadBodyAsync(http.Request, aborted);
        var request = CallRequest.Parse(body, dialect.Shape, out var problem, out var detail);
        if (request is null)
        {
            await WriteErrorAsync(http, dialect.BadRequest(problem, detail, requestId), aborted);
            return;
        }

        if (!CallSettings.TryFault(http.Request.Headers, out var fault))
        {
            await WriteErrorAsync(http, dialect.BadRequest(CallRequestProblem.UnknownSetting, $"unknown simulator fault '{fault}'", requestId), aborted);
            return;
        }

        var now = time.GetUtcNow();
        var call = new SimulatedCall(
            dialect.NewId(now),
            http.Request.Path.Value ?? "",
            request.Model,
            request.Stream,
            request.IncludeUsage,
            request.IncludeObfuscation,
            request.MaxOutputTokens,
            request.Content,
            CallSettings.ToolCalls(http.Request.Headers, request.Content, dialect.Shape),
            CallSettings.Tokens(http.Request.Headers, request),
            CallSettings.Pacing(http.Request.Headers, settings),
            fault,
            now);
        http.Response.Headers[SimulatorHeaders.CallId] = call.Id;

        var completed = false;
        var usage = ServedUsage.None;
        try
        {
            await DelayAsync(call.Pacing.FirstByteDelay, aborted);
            if (Faults.StatusOf(fault) is { } status)
            {
                await WriteErrorAsync(http, dialect.FaultStatus(status, requestId), aborted);
                return;
            }

            usage = dialect.Reported(call);
            completed = call.Stream
                ? await StreamAsync(http, dialect, call, aborted)
                : await AnswerAsync(http, dialect, call, requestId, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // The client went away; the record says the answer was not completed.
        }
        catch (IOException)
        {
            // Same: the connection broke while writing.
        }
        finally
        {
            served.Add(new ServedCall(call.Id, call.Path, call.Model, call.Stream, usage, completed, fault, now)
            {
                Images = call.Content.Images,
                ToolResults = call.Content.ToolResults,
                ToolCalls = call.ToolCalls.Count,
            });
        }
    }

    private async Task<bool> StreamAsync(HttpContext http, IProviderDialect dialect, SimulatedCall call, CancellationToken aborted)
    {
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/event-stream; charset=utf-8";
        http.Response.Headers.CacheControl = "no-cache";

        var events = dialect.Stream(call);
        var stopAt = call.Fault is Faults.CutMidStream or Faults.Stall or Faults.ErrorEvent ? events.Count / 2 : events.Count;
        for (var i = 0; i < stopAt; i++)
        {
            if (!await SendAsync(http, events[i], paced: i > 0, call.Pacing, aborted))
            {
                return false;
            }
        }

        switch (call.Fault)
        {
            case Faults.CutMidStream:
                throw new StreamCutException(call.Path);
            case Faults.Stall:
                await StallAsync(aborted);
                return false;
            case Faults.ErrorEvent:
                foreach (var error in dialect.ErrorEvents(call, stopAt))
                {
                    if (!await SendAsync(http, error, paced: true, call.Pacing, aborted))
                    {
                        break;
                    }
                }

                return false;
            default:
                return true;
        }
    }

    private async Task<bool> AnswerAsync(HttpContext http, IProviderDialect dialect, SimulatedCall call, string requestId, CancellationToken aborted)
    {
        // A whole answer takes as long as its stream would have.
        await DelayAsync(call.Pacing.EventDelay * call.Tokens.Output, aborted);
        if (call.Fault == Faults.ErrorEvent)
        {
            await WriteErrorAsync(http, dialect.OverloadedAnswer(requestId), aborted);
            return false;
        }

        var body = dialect.Answer(call);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = body.Length;
        if (call.Fault is Faults.CutMidStream or Faults.Stall)
        {
            await http.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2), aborted);
            await http.Response.Body.FlushAsync(aborted);
            if (call.Fault == Faults.CutMidStream)
            {
                throw new StreamCutException(call.Path);
            }
            else
            {
                await StallAsync(aborted);
            }

            return false;
        }

        await http.Response.Body.WriteAsync(body, aborted);
        return true;
    }

    private async Task<bool> SendAsync(HttpContext http, SseEvent sse, bool paced, Pacing pacing, CancellationToken aborted)
    {
        if (paced)
        {
            await DelayAsync(pacing.EventDelay, aborted);
        }

        var writer = http.Response.BodyWriter;
        SseWriter.Write(writer, sse);
        var flushed = await writer.FlushAsync(aborted);
        return !flushed.IsCanceled && !flushed.IsCompleted;
    }

    /// <summary>Holds the connection open, sending nothing, until the client goes or the simulator stops.</summary>
    private async Task StallAsync(CancellationToken aborted)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(aborted, lifetime.ApplicationStopping);
        await Task.Delay(Timeout.InfiniteTimeSpan, time, either.Token);
    }

    private Task DelayAsync(TimeSpan delay, CancellationToken aborted) =>
        delay > TimeSpan.Zero ? Task.Delay(delay, time, aborted) : Task.CompletedTask;

    private static async Task WriteErrorAsync(HttpContext http, Reply error, CancellationToken aborted)
    {
        http.Response.StatusCode = error.Status;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = error.Body.Length;
        await http.Response.Body.WriteAsync(error.Body, aborted);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken aborted)
    {
        using var buffer = new MemoryStream(request.ContentLength is { } length and < int.MaxValue ? (int)length : 4096);
        await request.Body.CopyToAsync(buffer, aborted);
        return buffer.ToArray();
    }
}
