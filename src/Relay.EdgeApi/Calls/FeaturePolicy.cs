using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Relay.EdgeApi.Catalog;
using Relay.EdgeApi.Errors;
using Relay.EdgeApi.Hosting;
using Relay.EdgeApi.Protocols;
using Relay.Money;

namespace Relay.EdgeApi.Calls;

/// <summary>
/// Nothing billable passes unpriced: a call may use an upstream feature that costs more than its tokens (a server
/// tool, a faster or pricier service tier, a beta) only when <c>Relay:Features</c> allows it, and what is allowed is
/// either priced by Relay (web search, per search) or costs only tokens. Anything else is refused by name with a 400
/// before the call is admitted or sent, so the operator is never billed for what no account is charged for.
/// </summary>
public sealed partial class FeaturePolicy(IOptionsMonitor<RelayOptions> options)
{
    /// <summary>Tools the client runs itself: they cost only the tokens of their definitions, calls and results.</summary>
    private static readonly HashSet<string> s_clientTools = new(StringComparer.Ordinal)
    {
        "custom", "function", "bash", "text_editor", "computer", "memory",
        "local_shell", "shell", "apply_patch", "namespace", "computer_use_preview",
    };

    /// <summary>Anthropic's 1M-token context window beta.</summary>
    public const string LongContextBeta = "context-1m-2025-08-07";

    /// <summary>The refusal for the first feature of the call that is not allowed, or null when all are.</summary>
    public Refusal? Check(WireProtocol protocol, CatalogModel model, RequestFacts facts, IHeaderDictionary headers)
    {
        var features = options.CurrentValue.Features;
        // Both headers are checked whatever the client's protocol: a translated call goes upstream in another one,
        // and the upstream request carries the beta header of its own protocol from the client.
        var modelBetas = features.ModelBetasOrDefault().GetValueOrDefault(model.Id) ?? [];
        foreach (var beta in Values(headers["anthropic-beta"]))
        {
            // The 1M-token window is priced wherever the catalog prices the model's long prompts.
            var pricedLongContext = beta == LongContextBeta && model.Price.Tiers.Count > 0;
            if (!pricedLongContext && !features.AnthropicBetasOrDefault().Contains(beta, StringComparer.Ordinal) && !modelBetas.Contains(beta, StringComparer.Ordinal))
            {
                return NotEnabled("anthropic-beta", $"The beta '{beta}' is not enabled on Relay for model '{model.Id}'");
            }
        }
        foreach (var beta in Values(headers["OpenAI-Beta"]))
        {
            if (!features.OpenAIBetasOrDefault().Contains(beta, StringComparer.Ordinal))
            {
                return NotEnabled("OpenAI-Beta", $"The beta '{beta}' is not enabled on Relay");
            }
        }
        var allowed = features.BodyOrDefault();
        foreach (var feature in facts.Features)
        {
            if (feature.StartsWith("tool:", StringComparison.Ordinal))
            {
                var family = ToolFamily(feature["tool:".Length..]);
                if (s_clientTools.Contains(family))
                {
                    continue;
                }
                if (!allowed.Contains("tool:" + family, StringComparer.Ordinal))
                {
                    return NotEnabled("tools", $"The server tool '{feature["tool:".Length..]}' is not enabled on Relay");
                }
                if (!MetersServerTools(protocol, model.Provider))
                {
                    // Relay counts server tool use only in Anthropic's Messages usage and OpenAI's Responses output;
                    // elsewhere (chat completions, Zhipu) a search would go uncounted.
                    return NotEnabled("tools", $"The server tool '{feature["tool:".Length..]}' is not enabled on Relay for model '{model.Id}' over this API");
                }
            }
            else if (!allowed.Contains(feature, StringComparer.Ordinal))
            {
                var colon = feature.IndexOf(':', StringComparison.Ordinal);
                var field = colon < 0 ? feature : feature[..colon];
                var shown = colon < 0 ? $"'{field}'" : $"{field} '{feature[(colon + 1)..]}'";
                return NotEnabled(field, $"{char.ToUpperInvariant(shown[0])}{shown[1..]} is not enabled on Relay");
            }
        }
        return null;
    }

    /// <summary>Where Relay reads server tool use from the answer: Anthropic's own Messages, OpenAI's own Responses.</summary>
    private static bool MetersServerTools(WireProtocol protocol, string provider) =>
        (protocol == WireProtocol.AnthropicMessages && provider.Equals("anthropic", StringComparison.OrdinalIgnoreCase))
        || (protocol == WireProtocol.OpenAIResponses && provider.Equals("openai", StringComparison.OrdinalIgnoreCase));

    /// <summary>What the call's server tools cost beyond its tokens: each web search at <c>Relay:Features:WebSearchUsdPerThousand</c>.</summary>
    public Usd ServerToolCharge(long webSearches) =>
        webSearches <= 0 ? Usd.Zero : Usd.FromDecimal(options.CurrentValue.Features.WebSearchUsdPerThousand * webSearches / 1000m);

    /// <summary>A tool type without its version: <c>web_search_20250305</c> and <c>web_search_preview_2025_03_11</c> are <c>web_search</c> and <c>web_search_preview</c>.</summary>
    public static string ToolFamily(string type) => ToolVersion().Replace(type, "");

    private static IEnumerable<string> Values(Microsoft.Extensions.Primitives.StringValues header) =>
        header.SelectMany(value => (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static Refusal NotEnabled(string field, string what) => new(
        RefusalKind.InvalidRequest,
        $"{field}: {what}: it may be billed upstream in ways Relay does not charge for. Remove it, or ask the operator to allow it.",
        field);

    [GeneratedRegex(@"(_\d{8}|_\d{4}_\d{2}_\d{2})$")]
    private static partial Regex ToolVersion();
}
