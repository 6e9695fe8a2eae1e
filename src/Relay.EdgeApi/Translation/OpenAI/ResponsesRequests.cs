using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Relay.EdgeApi.Translation.JsonFields;

namespace Relay.EdgeApi.Translation.OpenAI;

/// <summary>
/// Responses requests to and from a <see cref="Conversation"/>.
/// <code>
/// Responses field                              Conversation
/// model, stream, max_output_tokens             Model, Stream, MaxOutputTokens
/// instructions; input system/developer messages  System (before the first turn), a System turn after it
/// input string / message items user, assistant  turns: input_text, output_text, refusal → TextPart; input_image → ImagePart
/// function_call {call_id,name,arguments,namespace}  ToolCallPart (namespace__name)
/// function_call_output {call_id, output}       ToolResultPart (text and images)
/// reasoning {summary, encrypted_content}       ThinkingPart: only Relay's carrier of Anthropic thinking goes back upstream
/// tools function / namespace{tools}            Tools (a namespace's tools flattened to namespace__name)
/// tool_choice, parallel_tool_calls             ToolChoice, ParallelToolCalls
/// temperature, top_p                           Temperature, TopP
/// reasoning.effort, reasoning.summary          Reasoning (summary: thinking shown)
/// text.format json_object / json_schema, text.verbosity  Format, Verbosity
/// include ["reasoning.encrypted_content"]      IncludeEncryptedReasoning (Anthropic signatures come back as encrypted_content)
/// user, safety_identifier                      User
/// store, prompt_cache_key, client_metadata, metadata, service_tier auto/default, truncation disabled,
/// stream_options.include_obfuscation           accepted: no effect on the answer (nothing is stored: store is written false)
/// </code>
/// Refused by name: previous_response_id, conversation, prompt, background, max_tool_calls, top_logprobs, other
/// include values, hosted tools (web_search, file_search, code_interpreter, mcp, custom, ...), item references,
/// files, and any field this table does not list. Written requests have no stop sequences: Responses has none, so
/// stop sequences towards it are refused.
/// </summary>
internal static class ResponsesRequests
{
    public const string Api = "OpenAI Responses";

    private const string Separator = "__";

    private static readonly FrozenSet<string> s_known = FrozenSet.Create(
        StringComparer.Ordinal,
        "model", "input", "instructions", "stream", "stream_options", "max_output_tokens", "temperature", "top_p", "tools",
        "tool_choice", "parallel_tool_calls", "reasoning", "text", "include", "store", "prompt_cache_key", "client_metadata",
        "metadata", "user", "safety_identifier", "service_tier", "truncation", "previous_response_id");

    /// <summary>The name a namespaced tool has upstream (Anthropic names allow letters, digits, '_' and '-').</summary>
    public static string FlatName(string space, string name) => space + Separator + name;

    public static Conversation Read(JsonObject body, string target)
    {
        OnlyKnown(body, "", target, s_known);
        if (body["previous_response_id"] is not null)
        {
            throw TranslationRefusal.Unsupported("previous_response_id", target, "Send the whole conversation in input (with store: false), as Codex does.");
        }
        if (String(body, "truncation", "") is { } truncation && truncation != "disabled")
        {
            throw TranslationRefusal.Unsupported("truncation", target);
        }
        if (String(body, "service_tier", "") is { } tier && tier is not ("auto" or "default"))
        {
            throw TranslationRefusal.Unsupported("service_tier", target);
        }
        if (Object(body, "stream_options", "") is { } options)
        {
            OnlyKnown(options, "stream_options", target, FrozenSet.Create(StringComparer.Ordinal, "include_obfuscation"));
        }
        var include = Strings(body, "include", "").ToList();
        for (var i = 0; i < include.Count; i++)
        {
            if (include[i] != "reasoning.encrypted_content")
            {
                throw TranslationRefusal.Unsupported($"include[{i}]", target);
            }
        }
        var conversation = new Conversation
        {
            Model = String(body, "model", "") ?? "",
            Stream = Bool(body, "stream", "") ?? false,
            IncludeEncryptedReasoning = include.Count > 0,
        };
        conversation.Fields["stop"] = "stop";
        conversation.Fields["format"] = "text.format";
        conversation.Fields["reasoning"] = "reasoning.effort";
        conversation.Fields["verbosity"] = "text.verbosity";
        conversation.MaxOutputTokens = Count(body, "max_output_tokens", "");
        conversation.Temperature = Number(body, "temperature", "");
        conversation.TopP = Number(body, "top_p", "");
        conversation.ParallelToolCalls = Bool(body, "parallel_tool_calls", "");
        conversation.User = String(body, "safety_identifier", "") ?? String(body, "user", "");
        if (String(body, "instructions", "") is { Length: > 0 } instructions)
        {
            conversation.System.Add(instructions);
        }
        if (Object(body, "reasoning", "") is { } reasoning)
        {
            OnlyKnown(reasoning, "reasoning", target, FrozenSet.Create(StringComparer.Ordinal, "effort", "summary", "generate_summary"));
            var effort = String(reasoning, "effort", "reasoning");
            var summary = String(reasoning, "summary", "reasoning") ?? String(reasoning, "generate_summary", "reasoning");
            conversation.Reasoning = new Reasoning(effort is not null && effort != "none", effort, null, summary is not null && summary != "none");
        }
        if (Object(body, "text", "") is { } text)
        {
            OnlyKnown(text, "text", target, FrozenSet.Create(StringComparer.Ordinal, "format", "verbosity"));
            conversation.Verbosity = String(text, "verbosity", "text");
            if (Object(text, "format", "text") is { } format)
            {
                conversation.Format = String(format, "type", "text.format") switch
                {
                    "text" => null,
                    "json_object" => new OutputFormat(OutputFormatKind.JsonObject, null, null, null),
                    "json_schema" => new OutputFormat(OutputFormatKind.JsonSchema, String(format, "name", "text.format"), Object(format, "schema", "text.format")?.DeepClone(), Bool(format, "strict", "text.format")),
                    _ => throw TranslationRefusal.Unsupported("text.format.type", target),
                };
            }
        }
        ReadTools(body, conversation, target);

        switch (body["input"])
        {
            case null:
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                conversation.Add(TurnRole.User, new TextPart(value.GetValue<string>()));
                break;
            case JsonArray items:
                for (var i = 0; i < items.Count; i++)
                {
                    ReadItem(items[i] as JsonObject ?? throw TranslationRefusal.Invalid($"input[{i}]", "must be an input item."), $"input[{i}]", conversation, target);
                }
                break;
            default:
                throw TranslationRefusal.Invalid("input", "must be a string or an array of input items.");
        }
        return conversation;
    }

    private static void ReadTools(JsonObject body, Conversation conversation, string target)
    {
        var tools = Array(body, "tools", "") ?? [];
        for (var i = 0; i < tools.Count; i++)
        {
            var path = $"tools[{i}]";
            var tool = tools[i] as JsonObject ?? throw TranslationRefusal.Invalid(path, "must be an object.");
            switch (String(tool, "type", path))
            {
                case "function":
                    conversation.Tools.Add(ReadFunction(tool, path, target, space: null, conversation));
                    break;
                case "namespace":
                    var space = String(tool, "name", path) ?? throw TranslationRefusal.Invalid($"{path}.name", "is required.");
                    var inner = Array(tool, "tools", path) ?? [];
                    for (var j = 0; j < inner.Count; j++)
                    {
                        var innerPath = $"{path}.tools[{j}]";
                        var function = inner[j] as JsonObject ?? throw TranslationRefusal.Invalid(innerPath, "must be an object.");
                        if (String(function, "type", innerPath) != "function")
                        {
                            throw TranslationRefusal.Unsupported($"{innerPath}.type", target);
                        }
                        conversation.Tools.Add(ReadFunction(function, innerPath, target, space, conversation));
                    }
                    break;
                case "web_search" or "web_search_preview":
                    throw TranslationRefusal.Unsupported($"{path}.type", target,
                        "Web search is OpenAI's own tool. In Codex, set web_search = \"disabled\" in ~/.codex/config.toml (or pass -c web_search=disabled) for this model.");
                case var type:
                    throw TranslationRefusal.Unsupported($"{path}.type", target, $"'{type}' is one of OpenAI's own tools.");
            }
        }
        switch (body["tool_choice"])
        {
            case null:
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                conversation.ToolChoice = value.GetValue<string>() switch
                {
                    "auto" => new ToolChoice(ToolChoiceKind.Auto),
                    "none" => new ToolChoice(ToolChoiceKind.None),
                    "required" => new ToolChoice(ToolChoiceKind.Required),
                    var other => throw TranslationRefusal.Invalid("tool_choice", $"'{other}' is not auto, none or required."),
                };
                break;
            case JsonObject choice when String(choice, "type", "tool_choice") == "function":
                conversation.ToolChoice = new ToolChoice(ToolChoiceKind.Named, String(choice, "name", "tool_choice"));
                break;
            default:
                throw TranslationRefusal.Unsupported("tool_choice", target);
        }
    }

    private static ToolDefinition ReadFunction(JsonObject tool, string path, string target, string? space, Conversation conversation)
    {
        OnlyKnown(tool, path, target, FrozenSet.Create(StringComparer.Ordinal, "type", "name", "description", "parameters", "strict"));
        var name = String(tool, "name", path) ?? throw TranslationRefusal.Invalid($"{path}.name", "is required.");
        if (space is not null)
        {
            var flat = FlatName(space, name);
            conversation.NamespacedTools[flat] = (space, name);
            name = flat;
        }
        return new ToolDefinition(name, String(tool, "description", path), Object(tool, "parameters", path)?.DeepClone(), Bool(tool, "strict", path));
    }

    private static void ReadItem(JsonObject item, string path, Conversation conversation, string target)
    {
        var type = String(item, "type", path) ?? (item.ContainsKey("role") ? "message" : null);
        switch (type)
        {
            case "message":
                OnlyKnown(item, path, target, FrozenSet.Create(StringComparer.Ordinal, "type", "id", "role", "content", "status"));
                var role = String(item, "role", path);
                var parts = ReadContent(item["content"], $"{path}.content", target);
                switch (role)
                {
                    case "system" or "developer":
                        var text = string.Concat(parts.OfType<TextPart>().Select(p => p.Text));
                        if (conversation.Turns.Count == 0)
                        {
                            conversation.System.Add(text);
                        }
                        else
                        {
                            conversation.Add(TurnRole.System, new TextPart(text));
                        }
                        break;
                    case "user" or "assistant":
                        foreach (var part in parts)
                        {
                            conversation.Add(role == "user" ? TurnRole.User : TurnRole.Assistant, part);
                        }
                        break;
                    default:
                        throw TranslationRefusal.Invalid($"{path}.role", $"'{role}' is not user, assistant, system or developer.");
                }
                break;
            case "function_call":
                var name = String(item, "name", path) ?? "";
                if (String(item, "namespace", path) is { Length: > 0 } space)
                {
                    name = FlatName(space, name);
                }
                conversation.Add(TurnRole.Assistant, new ToolCallPart(String(item, "call_id", path) ?? "", name, String(item, "arguments", path) ?? "{}"));
                break;
            case "function_call_output":
                var output = item["output"] is JsonValue plain && plain.GetValueKind() == JsonValueKind.String
                    ? [new TextPart(plain.GetValue<string>())]
                    : ReadContent(item["output"], $"{path}.output", target);
                conversation.Add(TurnRole.User, new ToolResultPart(String(item, "call_id", path) ?? "", output, IsError: false));
                break;
            case "reasoning":
                var summary = (Array(item, "summary", path) ?? []).OfType<JsonObject>().Select(s => String(s, "text", $"{path}.summary") ?? "");
                // Anthropic's own thinking, carried by Relay, goes back to it; OpenAI's encrypted reasoning cannot go anywhere else.
                if (ReasoningCarrier.Read(String(item, "encrypted_content", path), string.Join("\n\n", summary)) is { } thinking)
                {
                    conversation.Add(TurnRole.Assistant, thinking);
                }
                break;
            default:
                throw TranslationRefusal.Unsupported($"{path}.type", target, $"'{type}' items have no equivalent there.");
        }
    }

    private static List<Part> ReadContent(JsonNode? content, string path, string target)
    {
        switch (content)
        {
            case null:
                return [];
            case JsonValue text when text.GetValueKind() == JsonValueKind.String:
                return [new TextPart(text.GetValue<string>())];
            case JsonArray parts:
                var read = new List<Part>(parts.Count);
                for (var i = 0; i < parts.Count; i++)
                {
                    var partPath = $"{path}[{i}]";
                    var part = parts[i] as JsonObject ?? throw TranslationRefusal.Invalid(partPath, "must be a content part.");
                    read.Add(String(part, "type", partPath) switch
                    {
                        "input_text" or "output_text" => new TextPart(String(part, "text", partPath) ?? ""),
                        "refusal" => new TextPart(String(part, "refusal", partPath) ?? ""),
                        "input_image" when String(part, "image_url", partPath) is { } url => ImagePart.FromUrl(url, String(part, "detail", partPath)),
                        var type => throw TranslationRefusal.Unsupported($"{partPath}.type", target, $"'{type}' parts have no equivalent there."),
                    });
                }
                return read;
            default:
                throw TranslationRefusal.Invalid(path, "must be a string or an array of content parts.");
        }
    }

    /// <summary>Writes the Responses request for an OpenAI upstream. Nothing is stored at OpenAI: <c>store</c> is false.</summary>
    public static JsonObject Write(Conversation conversation)
    {
        if (conversation.Stop.Count > 0)
        {
            throw TranslationRefusal.Unsupported(conversation.FieldOf("stop"), Api, "Responses has no stop sequences.");
        }
        var input = new JsonArray();
        foreach (var turn in conversation.Turns)
        {
            switch (turn.Role)
            {
                case TurnRole.System:
                    input.Add(Message("developer", [.. turn.Parts.OfType<TextPart>().Select(p => Text("input_text", p.Text))]));
                    break;
                case TurnRole.User:
                    foreach (var result in turn.Parts.OfType<ToolResultPart>())
                    {
                        input.Add(new JsonObject
                        {
                            ["type"] = "function_call_output",
                            ["call_id"] = result.CallId,
                            ["output"] = result.Content.All(part => part is TextPart)
                                ? (result.IsError ? "Error: " : "") + string.Concat(result.Content.OfType<TextPart>().Select(p => p.Text))
                                : new JsonArray([.. (result.IsError ? [new TextPart("Error:")] : System.Array.Empty<Part>()).Concat(result.Content).Select(WriteInputPart)]),
                        });
                    }
                    var content = turn.Parts.Where(p => p is TextPart or ImagePart).Select(WriteInputPart).ToArray();
                    if (content.Length > 0)
                    {
                        input.Add(Message("user", content));
                    }
                    break;
                default:
                    foreach (var part in turn.Parts)
                    {
                        switch (part)
                        {
                            case TextPart text:
                                input.Add(Message("assistant", [Text("output_text", text.Text)]));
                                break;
                            case ToolCallPart call:
                                var node = new JsonObject { ["type"] = "function_call", ["call_id"] = call.Id };
                                if (conversation.NamespacedTools.TryGetValue(call.Name, out var original))
                                {
                                    node["namespace"] = original.Namespace;
                                    node["name"] = original.Name;
                                }
                                else
                                {
                                    node["name"] = call.Name;
                                }
                                node["arguments"] = call.Arguments;
                                input.Add(node);
                                break;
                            default:
                                // Another provider's thinking cannot be given to an OpenAI model.
                                break;
                        }
                    }
                    break;
            }
        }
        var body = new JsonObject { ["model"] = conversation.Model };
        if (conversation.System.Count > 0)
        {
            body["instructions"] = string.Join("\n\n", conversation.System);
        }
        body["input"] = input;
        if (conversation.MaxOutputTokens is { } max)
        {
            body["max_output_tokens"] = max;
        }
        if (conversation.Temperature is not null)
        {
            body["temperature"] = conversation.Temperature.DeepClone();
        }
        if (conversation.TopP is not null)
        {
            body["top_p"] = conversation.TopP.DeepClone();
        }
        if (conversation.Tools.Count > 0)
        {
            body["tools"] = new JsonArray([.. conversation.Tools.Select(tool =>
            {
                var function = new JsonObject { ["type"] = "function", ["name"] = tool.Name };
                if (tool.Description is not null)
                {
                    function["description"] = tool.Description;
                }
                function["parameters"] = tool.Schema?.DeepClone() ?? new JsonObject { ["type"] = "object" };
                function["strict"] = tool.Strict ?? false;
                return (JsonNode)function;
            })]);
            if (conversation.ToolChoice is { } choice)
            {
                body["tool_choice"] = choice.Kind switch
                {
                    ToolChoiceKind.None => "none",
                    ToolChoiceKind.Required => "required",
                    ToolChoiceKind.Named => new JsonObject { ["type"] = "function", ["name"] = choice.Name },
                    _ => "auto",
                };
            }
            if (conversation.ParallelToolCalls is { } parallel)
            {
                body["parallel_tool_calls"] = parallel;
            }
        }
        if (conversation.Reasoning is { Enabled: true } reasoning)
        {
            var node = new JsonObject();
            if (ReasoningScale.OpenAIEffort(reasoning) is { } effort)
            {
                node["effort"] = effort;
            }
            if (reasoning.ShowThinking)
            {
                node["summary"] = "auto";
            }
            body["reasoning"] = node;
        }
        if (conversation.Format is not null || conversation.Verbosity is not null)
        {
            var text = new JsonObject();
            if (conversation.Format is { } format)
            {
                text["format"] = format.Kind == OutputFormatKind.JsonObject
                    ? new JsonObject { ["type"] = "json_object" }
                    : new JsonObject
                    {
                        ["type"] = "json_schema",
                        ["name"] = format.Name ?? "answer",
                        ["schema"] = format.Schema?.DeepClone() ?? new JsonObject(),
                        ["strict"] = format.Strict ?? true,
                    };
            }
            if (conversation.Verbosity is { } verbosity)
            {
                text["verbosity"] = verbosity;
            }
            body["text"] = text;
        }
        if (conversation.User is { } user)
        {
            body["safety_identifier"] = user;
        }
        body["store"] = false;
        if (conversation.Stream)
        {
            body["stream"] = true;
        }
        return body;
    }

    private static JsonObject Message(string role, JsonNode[] content) => new()
    {
        ["type"] = "message",
        ["role"] = role,
        ["content"] = new JsonArray(content),
    };

    private static JsonObject Text(string type, string text) => new() { ["type"] = type, ["text"] = text };

    private static JsonNode WriteInputPart(Part part) => part switch
    {
        ImagePart image => image.Detail is null
            ? new JsonObject { ["type"] = "input_image", ["image_url"] = image.AsUrl }
            : new JsonObject { ["type"] = "input_image", ["image_url"] = image.AsUrl, ["detail"] = image.Detail },
        TextPart text => Text("input_text", text.Text),
        _ => throw new InvalidOperationException("Only text and images are input parts."),
    };
}
