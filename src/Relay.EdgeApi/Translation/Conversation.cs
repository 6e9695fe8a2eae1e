using System.Text.Json.Nodes;

namespace Relay.EdgeApi.Translation;

/// <summary>
/// A request in no protocol's shape: what the three protocols can all say, and nothing else. Each protocol's reader
/// refuses what it cannot put here, each writer refuses what its protocol cannot say; so translation between any
/// two protocols goes through this one form and is read and written in one place per protocol (docs/translation.md
/// has the table for each pair).
/// </summary>
internal sealed class Conversation
{
    public required string Model { get; init; }

    public bool Stream { get; init; }

    /// <summary>System prompt text, in order (Anthropic <c>system</c>, chat system/developer messages before the first turn, Responses <c>instructions</c>).</summary>
    public List<string> System { get; } = [];

    public List<Turn> Turns { get; } = [];

    public List<ToolDefinition> Tools { get; } = [];

    public ToolChoice? ToolChoice { get; set; }

    /// <summary>False when the client forbade several tool calls in one answer.</summary>
    public bool? ParallelToolCalls { get; set; }

    public long? MaxOutputTokens { get; set; }

    /// <summary>Kept as the JSON number the client wrote, so that no value passes through a double.</summary>
    public JsonNode? Temperature { get; set; }

    public JsonNode? TopP { get; set; }

    public List<string> Stop { get; } = [];

    public Reasoning? Reasoning { get; set; }

    /// <summary>OpenAI's answer length hint (low, medium, high): chat <c>verbosity</c>, Responses <c>text.verbosity</c>.</summary>
    public string? Verbosity { get; set; }

    public OutputFormat? Format { get; set; }

    /// <summary>Chat only: the client asked for the usage chunk.</summary>
    public bool IncludeUsage { get; init; }

    /// <summary>Responses only: the client asked for reasoning's encrypted content (Codex does), carried as Anthropic signatures.</summary>
    public bool IncludeEncryptedReasoning { get; init; }

    /// <summary>Who the end user is, for the provider's abuse checks (OpenAI <c>safety_identifier</c>/<c>user</c>, Anthropic <c>metadata.user_id</c>).</summary>
    public string? User { get; set; }

    /// <summary>
    /// The client's own name for each setting a writer may have to refuse (<c>stop</c> or <c>stop_sequences</c>,
    /// <c>response_format</c> or <c>text.format</c>, ...), so that the 400 names the field the client sent.
    /// </summary>
    public Dictionary<string, string> Fields { get; } = new(StringComparer.Ordinal);

    public string FieldOf(string setting) => Fields.GetValueOrDefault(setting, setting);

    /// <summary>The client's names of namespaced tools (Responses <c>namespace</c> tools), keyed by the flat name sent upstream.</summary>
    public Dictionary<string, (string Namespace, string Name)> NamespacedTools { get; } = new(StringComparer.Ordinal);

    /// <summary>Appends a part to the last turn of that role, or opens a new turn: every protocol merges adjacent turns of a role.</summary>
    public void Add(TurnRole role, Part part)
    {
        if (Turns.Count == 0 || Turns[^1].Role != role)
        {
            Turns.Add(new Turn(role, []));
        }
        Turns[^1].Parts.Add(part);
    }
}

internal enum TurnRole
{
    User,
    Assistant,

    /// <summary>A system message in the middle of the conversation (chat and Responses allow it, and Claude Code sends it).</summary>
    System,
}

internal sealed record Turn(TurnRole Role, List<Part> Parts);

internal abstract record Part;

internal sealed record TextPart(string Text) : Part;

/// <summary>An image by URL (<see cref="Url"/>) or inline (<see cref="MediaType"/> and base64 <see cref="Data"/>).</summary>
internal sealed record ImagePart(string? Url, string? MediaType, string? Data, string? Detail) : Part
{
    /// <summary>The image as one URL: itself, or a data URL.</summary>
    public string AsUrl => Url ?? $"data:{MediaType};base64,{Data}";

    /// <summary>Reads a URL, splitting a base64 data URL into its media type and data.</summary>
    public static ImagePart FromUrl(string url, string? detail)
    {
        const string Marker = ";base64,";
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var marker = url.IndexOf(Marker, StringComparison.OrdinalIgnoreCase);
            if (marker > 5)
            {
                return new ImagePart(null, url[5..marker], url[(marker + Marker.Length)..], detail);
            }
        }
        return new ImagePart(url, null, null, detail);
    }
}

/// <summary>A tool call the model made; <see cref="Arguments"/> is the JSON text of its input.</summary>
internal sealed record ToolCallPart(string Id, string Name, string Arguments) : Part;

/// <summary>What a tool answered: text and images.</summary>
internal sealed record ToolResultPart(string CallId, IReadOnlyList<Part> Content, bool IsError) : Part;

/// <summary>
/// The model's reasoning. <see cref="Signature"/> is what the provider needs to accept it back (Anthropic's signature,
/// carried through Responses clients as <c>encrypted_content</c>); <see cref="Redacted"/> is Anthropic's redacted thinking.
/// </summary>
internal sealed record ThinkingPart(string Text, string? Signature, bool Redacted = false) : Part;

internal sealed record ToolDefinition(string Name, string? Description, JsonNode? Schema, bool? Strict);

internal enum ToolChoiceKind
{
    Auto,
    None,

    /// <summary>Some tool must be called (Anthropic <c>any</c>, OpenAI <c>required</c>).</summary>
    Required,

    /// <summary>The tool <see cref="ToolChoice.Name"/> must be called.</summary>
    Named,
}

internal sealed record ToolChoice(ToolChoiceKind Kind, string? Name = null);

/// <summary>
/// How much to think. <see cref="Effort"/> is OpenAI's scale (none, minimal, low, medium, high, xhigh) or Anthropic's
/// <c>output_config.effort</c> (low, medium, high, max); <see cref="BudgetTokens"/> is Anthropic's thinking budget.
/// </summary>
internal sealed record Reasoning(bool Enabled, string? Effort, long? BudgetTokens, bool ShowThinking);

internal enum OutputFormatKind
{
    JsonObject,
    JsonSchema,
}

internal sealed record OutputFormat(OutputFormatKind Kind, string? Name, JsonNode? Schema, bool? Strict);
