using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Channels;
using Relay.EdgeApi.Hosting;
using Relay.EdgeApi.Protocols;
using Relay.EdgeApi.Telemetry;

namespace Relay.EdgeApi.Calls;

/// <summary>What the edge sends upstream for one call.</summary>
public sealed record UpstreamCall(
    string CallId,
    WireProtocol Protocol,
    ReadOnlyMemory<byte> Body,
    RequestFacts Facts,
    CatalogModel Model,
    string? Query,
    IHeaderDictionary ClientHeaders);

public enum UpstreamFailure
{
    /// <summary>No channel could be tried: none serves the call or every circuit is open.</summary>
    Unavailable,

    /// <summary>Every attempt failed to connect, timed out or was refused with a transient status.</summary>
    Failed,

    /// <summary>The client went away before the upstream answered.</summary>
    ClientGone,
}

/// <summary>Either an upstream response to relay, or why there is none.</summary>
public sealed record UpstreamOutcome(UpstreamExchange? Exchange, UpstreamFailure? Failure, string? Detail);

/// <summary>
/// Sends a call upstream. Polly retries and fails over to the next channel only here, before the first byte
/// reaches the client (connection errors, idle timeouts, 429 and 5xx); each channel has its own circuit
/// breaker. There is no total timeout: an idle timeout, restarted on every read, suits long streams.
/// </summary>
public sealed class UpstreamCaller
{
    private readonly HttpMessageInvoker _http;
    private readonly ChannelRouter _router;
    private readonly EdgeMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<UpstreamCaller> _logger;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeSpan _answerTimeout;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;

    public UpstreamCaller(UpstreamHttp http, ChannelRouter router, EdgeMetrics metrics, TimeProvider time, IOptions<RelayOptions> options, ILogger<UpstreamCaller> logger)
    {
        _http = http.Invoker;
        _router = router;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        var upstream = options.Value.Upstream;
        _idleTimeout = upstream.IdleTimeout;
        _answerTimeout = upstream.AnswerTimeout > upstream.IdleTimeout ? upstream.AnswerTimeout : upstream.IdleTimeout;
        _retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = Math.Max(0, upstream.MaxAttempts - 1),
                Delay = upstream.RetryDelay,
                BackoffType = DelayBackoffType.Constant,
                ShouldHandle = args => ValueTask.FromResult(UpstreamFailures.IsRetryable(args.Outcome)),
            })
            .Build();
    }

    public async Task<UpstreamOutcome> SendAsync(UpstreamCall call, CancellationToken clientGone)
    {
        var routes = _router.RoutesFor(call.Model, call.Protocol);
        if (routes.Count == 0)
        {
            return new UpstreamOutcome(null, UpstreamFailure.Unavailable, "no channel serves this model");
        }
        var started = _time.GetTimestamp();
        void Ended(string? errorType) => _metrics.RecordUpstreamCall(call.Model.Id, call.Model.Provider, _time.GetElapsedTime(started), errorType);
        var attempts = new List<(ChannelRoute Route, CancellationTokenSource Idle)>();
        try
        {
            var response = await _retry.ExecuteAsync(
                async token =>
                {
                    var route = routes[attempts.Count % routes.Count];
                    var idle = CancellationTokenSource.CreateLinkedTokenSource(token);
                    attempts.Add((route, idle));
                    return await AttemptAsync(call, route, idle, clientGone);
                },
                clientGone);
            var (winner, winnerIdle) = attempts[^1];
            winnerIdle.CancelAfter(Timeout.InfiniteTimeSpan);
            foreach (var (_, idle) in attempts.Take(attempts.Count - 1))
            {
                idle.Dispose();
            }
            attempts.Clear();
            return new UpstreamOutcome(new UpstreamExchange(response, winner.Channel, winnerIdle, _idleTimeout, clientGone, Ended), null, null);
        }
        catch (OperationCanceledException) when (clientGone.IsCancellationRequested)
        {
            Ended("client_gone");
            return new UpstreamOutcome(null, UpstreamFailure.ClientGone, null);
        }
        catch (BrokenCircuitException ex)
        {
            Ended("circuit_open");
            return new UpstreamOutcome(null, UpstreamFailure.Unavailable, ex.Message);
        }
        catch (Exception ex) when (ex is HttpRequestException or UpstreamIdleTimeoutException)
        {
            Ended(ex is UpstreamIdleTimeoutException ? "timeout" : "connection");
            return new UpstreamOutcome(null, UpstreamFailure.Failed, ex.Message);
        }
        finally
        {
            foreach (var (_, idle) in attempts)
            {
                idle.Dispose();
            }
        }
    }

    private async ValueTask<HttpResponseMessage> AttemptAsync(UpstreamCall call, ChannelRoute route, CancellationTokenSource idle, CancellationToken clientGone)
    {
        var channel = route.Channel;
        try
        {
            // A stream starts at once; a whole answer arrives only when it is written, so it gets longer and no retry.
            var wait = call.Facts.Stream ? _idleTimeout : _answerTimeout;
            idle.CancelAfter(wait);
            var response = await route.Breaker.ExecuteAsync(
                async token =>
                {
                    try
                    {
                        return await _http.SendAsync(BuildRequest(call, channel), token);
                    }
                    catch (OperationCanceledException) when (!clientGone.IsCancellationRequested)
                    {
                        throw new UpstreamIdleTimeoutException(wait, retryable: call.Facts.Stream);
                    }
                },
                idle.Token);
            if (UpstreamFailures.IsTransient(response.StatusCode))
            {
                Failed(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            return response;
        }
        catch (Exception ex) when (ex is HttpRequestException or UpstreamIdleTimeoutException or BrokenCircuitException)
        {
            Failed(ex is BrokenCircuitException ? "circuit_open" : ex is UpstreamIdleTimeoutException ? "timeout" : "connection");
            throw;
        }

        void Failed(string kind)
        {
            _metrics.RecordUpstreamError(channel.Name, kind);
            Log.UpstreamAttemptFailed(_logger, call.CallId, channel.Name, kind);
        }
    }

    private static HttpRequestMessage BuildRequest(UpstreamCall call, UpstreamChannel channel)
    {
        var upstreamModel = channel.UpstreamModelFor(call.Model);
        var body = RequestRewriter.Rewrite(call.Protocol, call.Body, call.Facts, upstreamModel);
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, channel.EndpointFor(call.Protocol, call.Query))
        {
            Content = content,
        };
        var headers = request.Headers;
        switch (channel.Provider.Auth)
        {
            case UpstreamAuth.AnthropicApiKey:
                headers.TryAddWithoutValidation("x-api-key", channel.ApiKey);
                break;
            default:
                headers.TryAddWithoutValidation("Authorization", "Bearer " + channel.ApiKey);
                break;
        }
        if (call.Protocol == WireProtocol.AnthropicMessages)
        {
            var version = call.ClientHeaders["anthropic-version"].ToString();
            headers.TryAddWithoutValidation("anthropic-version", version.Length > 0 ? version : "2023-06-01");
            CopyIfPresent("anthropic-beta");
        }
        else
        {
            CopyIfPresent("OpenAI-Beta");
        }
        CopyIfPresent("Accept");
        return request;

        void CopyIfPresent(string name)
        {
            var values = call.ClientHeaders[name];
            if (values.Count > 0)
            {
                headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }
    }
}

/// <summary>
/// A live upstream response and its idle timer. Every read restarts the timer; a read that waits longer than
/// the idle timeout fails with <see cref="UpstreamIdleTimeoutException"/>. Disposing it aborts the upstream and
/// reports how the upstream call ended (<paramref name="ended"/> gets null, an HTTP status or how the answer broke).
/// </summary>
public sealed class UpstreamExchange(
    HttpResponseMessage response, UpstreamChannel channel, CancellationTokenSource idle, TimeSpan idleTimeout, CancellationToken clientGone, Action<string?>? ended = null)
    : IDisposable
{
    private string? _broke;
    private int _disposed;

    public HttpResponseMessage Response => response;

    public UpstreamChannel Channel => channel;

    public Task<Stream> OpenBodyAsync() => response.Content.ReadAsStreamAsync(idle.Token);

    /// <summary>The answer's body as a stream each read of which goes through <see cref="ReadAsync"/>.</summary>
    public async Task<Stream> OpenIdleTimedBodyAsync() => new IdleTimedBody(this, await OpenBodyAsync());

    /// <param name="cancellation">Ends the read early (the reader gave up on the answer); not reported as a timeout.</param>
    public async ValueTask<int> ReadAsync(Stream body, Memory<byte> buffer, CancellationToken cancellation = default)
    {
        idle.CancelAfter(idleTimeout);
        using var abandoned = cancellation.CanBeCanceled
            ? cancellation.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), idle)
            : default;
        try
        {
            return await body.ReadAsync(buffer, idle.Token);
        }
        catch (OperationCanceledException) when (!clientGone.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            _broke = "timeout_mid_stream";
            throw new UpstreamIdleTimeoutException(idleTimeout);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException && !clientGone.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            _broke = "cut_mid_stream";
            throw;
        }
        finally
        {
            idle.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        ended?.Invoke(_broke ?? (response.IsSuccessStatusCode ? null : ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        response.Dispose();
        idle.Dispose();
    }
}

/// <summary>An upstream body read through <see cref="UpstreamExchange.ReadAsync"/>: idle-timed, its failures classified.</summary>
internal sealed class IdleTimedBody(UpstreamExchange exchange, Stream body) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        exchange.ReadAsync(body, buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read the upstream body asynchronously.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await body.DisposeAsync();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            body.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>The one connection pool to every upstream (the YARP way: no cookies, redirects or decompression).</summary>
public sealed class UpstreamHttp : IDisposable
{
    public UpstreamHttp(IOptions<RelayOptions> options)
    {
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseProxy = false,
            ConnectTimeout = options.Value.Upstream.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = System.Diagnostics.DistributedContextPropagator.CreateNoOutputPropagator(),
        };
        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public HttpMessageInvoker Invoker { get; }

    public void Dispose() => Invoker.Dispose();
}
