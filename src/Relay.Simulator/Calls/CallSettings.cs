using System.Globalization;
using Microsoft.AspNetCore.Http;
using Relay.Simulator.Hosting;

namespace Relay.Simulator.Calls;

/// <summary>Applies the determinism rule (see README.md) to a request's headers and body.</summary>
internal static class CallSettings
{
    public const int DefaultOutputTokens = 12;

    public static TokenCounts Tokens(IHeaderDictionary headers, CallRequest request)
    {
        var output = Number(headers, SimulatorHeaders.OutputTokens)
            ?? Math.Clamp(request.MaxOutputTokens ?? DefaultOutputTokens, 0, DefaultOutputTokens);
        var input = Number(headers, SimulatorHeaders.InputTokens) ?? InputTokensOf(request.BodyBytes);
        return new TokenCounts(
            input,
            output,
            Number(headers, SimulatorHeaders.CacheReadTokens) ?? 0,
            Number(headers, SimulatorHeaders.CacheWrite5mTokens) ?? 0,
            Number(headers, SimulatorHeaders.CacheWrite1hTokens) ?? 0,
            Number(headers, SimulatorHeaders.ReasoningTokens) ?? 0);
    }

    /// <summary>
    /// <c>x-sim-tool-calls</c> calls (0 by default) when the request offers tools, does not forbid them, and does not end
    /// with tool results: the model has been answered, so it speaks instead. Calls go to the offered tools in turn.
    /// </summary>
    public static IReadOnlyList<SimulatedToolCall> ToolCalls(IHeaderDictionary headers, RequestContent content, RequestShape shape)
    {
        var count = Number(headers, SimulatorHeaders.ToolCalls) ?? 0;
        if (count == 0 || content.Tools.Count == 0 || content.ToolsForbidden || content.EndsWithToolResult)
        {
            return [];
        }
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var tool = content.Tools[i % content.Tools.Count];
            var id = shape == RequestShape.AnthropicMessages ? UpstreamIds.Anthropic("toolu_") : UpstreamIds.ToolCall();
            return new SimulatedToolCall(id, tool.Name, tool.Arguments);
        })];
    }

    /// <summary>One input token per started 4 bytes of the UTF-8 request body.</summary>
    public static int InputTokensOf(int bodyBytes) => (bodyBytes + 3) / 4;

    public static Pacing Pacing(IHeaderDictionary headers, SimulatorOptions options) => new(
        TimeSpan.FromMilliseconds(Number(headers, SimulatorHeaders.FirstByteDelayMs) ?? options.FirstByteDelayMs),
        TimeSpan.FromMilliseconds(Number(headers, SimulatorHeaders.EventDelayMs) ?? options.EventDelayMs));

    /// <summary>The fault asked for, null for none; false when the name is not a known fault.</summary>
    public static bool TryFault(IHeaderDictionary headers, out string? fault)
    {
        fault = headers[SimulatorHeaders.Fault].ToString();
        if (string.IsNullOrEmpty(fault) || fault == "none")
        {
            fault = null;
            return true;
        }

        return Faults.Known.Contains(fault);
    }

    public static int? Number(IHeaderDictionary headers, string name) =>
        int.TryParse(headers[name].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;
}
