using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Relay.EdgeApi.Translation.JsonFields;

namespace Relay.EdgeApi.Translation.Anthropic;

/// <summary>
/// Anthropic Messages requests to and from a <see cref="Conversation"/>.
/// <code>
/// Messages field                       Conversation
/// model, stream, max_tokens            Model, Stream, MaxOutputTokens (written: the client's, else the reserved default)
/// system (string or text blocks)       System
/// messages[].role user/assistant/system Turns (adjacent turns of a role merged)
///   text                               TextPart (cache_control: accepted, not carried: OpenAI caches by itself)
///   image (base64 / url source)        ImagePart
///   tool_use {id,name,input}           ToolCallPart (input as JSON text)
///   tool_result {tool_use_id,content,is_error}  ToolResultPart (text and images)
///   thinking {thinking,signature}, redacted_thinking  ThinkingPart (only signed thinking is written back)
/// tools[] {name,description,input_schema,strict}  Tools; defer_loading tools only once a tool_reference loads them
/// tool_choice auto/any/tool/none       ToolChoice Auto/Required/Named/None
/// tool_choice.disable_parallel_tool_use  ParallelToolCalls = false
/// stop_sequences, temperature, top_p   Stop, Temperature, TopP
/// thinking enabled(budget)/adaptive/disabled, output_config.effort  Reasoning
/// output_config.format / output_format json_schema  Format
/// metadata.user_id                     read: not carried (Anthropic's own abuse id); written from User
/// context_management clear_thinking_*  accepted: other providers never get earlier thinking anyway
/// </code>
/// Refused by name: top_k, server tools (web search, code execution, ...), documents, search results, container,
/// mcp_servers, other context edits, and any field this table does not list.
/// </summary>
internal static class AnthropicRequests
{
    public const string Api = "Anthropic Messages";

    private static readonly FrozenSet<string> s_known = FrozenSet.Create(
        StringComparer.Ordinal,
        "model", "messages", "system", "max_tokens", "stream", "metadata", "stop_sequences", "temperature", "top_p",
        "tools", "tool_choice", "thinking", "output_config", "output_format", "service_tier", "context_management");

    private static readonly FrozenSet<string> s_toolKeys = FrozenSet.Create(
        StringComparer.Ordinal, "name", "description", "input_schema", "cache_control", "defer_loading", "strict", "type");

    /// <summary>Reads a client's Messages request, refusing by name what other protocols cannot say.</summary>
    public static Conversation Read(JsonObject body, string target)
    {
        foreach (var (key, _) in body)
        {
            if (!s_known.Contains(key))
            {
                throw key == "top_k"
                    ? TranslationRefusal.Unsupported("top_k", target, "OpenAI models take temperature and top_p only.")
                    : TranslationRefusal.Unsupported(key, target);
            }
        }
        var conversation = new Conversation
        {
            Model = String(body, "model", "") ?? "",
            Stream = Bool(body, "stream", "") ?? false,
        };
        conversation.Fields["stop"] = "stop_sequences";
        conversation.Fields["format"] = body.ContainsKey("output_format") ? "output_format" : "output_config.format";
        conversation.Fields["reasoning"] = "thinking";
        conversation.MaxOutputTokens = Count(body, "max_tokens", "");
        conversation.Temperature = Number(body, "temperature", "");
        conversation.TopP = Number(body, "top_p", "");
        conversation.Stop.AddRange(Strings(body, "stop_sequences", ""));
        ReadMetadata(body);
        ReadContextManagement(body, target);
        if (String(body, "service_tier", "") is { } tier && tier != "auto" && tier != "standard_only")
        {
            throw TranslationRefusal.Invalid("service_tier", "must be auto or standard_only.");
        }

        switch (body["system"])
        {
            case null:
                break;
            case JsonValue system when system.GetValueKind() == JsonValueKind.String:
                conversation.System.Add(system.GetValue<string>());
                break;
            case JsonArray blocks:
                for (var i = 0; i < blocks.Count; i++)
                {
                    var path = $"system[{i}]";
                    var block = blocks[i] as JsonObject ?? throw TranslationRefusal.Invalid(path, "must be a text block.");
                    if (String(block, "type", path) != "text")
                    {
                        throw TranslationRefusal.Unsupported($"{path}.type", target);
                    }
                    conversation.System.Add(String(block, "text", path) ?? "");
                }
                break;
            default:
                throw TranslationRefusal.Invalid("system", "must be a string or an array of text blocks.");
        }

        var deferred = new Dictionary<string, ToolDefinition>(StringComparer.Ordinal);
        ReadTools(body, conversation, deferred, target);
        ReadToolChoice(body, conversation);
        ReadReasoning(body, conversation, target);
        ReadFormat(body, conversation, target);

        var messages = Array(body, "messages", "") ?? throw TranslationRefusal.Invalid("messages", "is required.");
        for (var i = 0; i < messages.Count; i++)
        {
            var path = $"messages[{i}]";
            var message = messages[i] as JsonObject ?? throw TranslationRefusal.Invalid(path, "must be an object.");
            OnlyKnown(message, path, target, FrozenSet.Create(StringComparer.Ordinal, "role", "content"));
            var role = String(message, "role", path) switch
            {
                "user" => TurnRole.User,
                "assistant" => TurnRole.Assistant,
                "system" => TurnRole.System,
                var other => throw TranslationRefusal.Invalid($"{path}.role", $"'{other}' is not a role (user, assistant or system)."),
            };
            ReadContent(message["content"], $"{path}.content", role, conversation, deferred, target);
        }
        return conversation;
    }

    private static void ReadMetadata(JsonObject body)
    {
        if (Object(body, "metadata", "") is not { } metadata)
        {
            return;
        }
        foreach (var (key, _) in metadata)
        {
            if (key != "user_id")
            {
                throw TranslationRefusal.Invalid($"metadata.{key}", "is not a Messages metadata field (only user_id is).");
            }
        }
    }

    private static void ReadContextManagement(JsonObject body, string target)
    {
        if (Object(body, "context_management", "") is not { } management)
        {
            return;
        }
        OnlyKnown(management, "context_management", target, FrozenSet.Create(StringComparer.Ordinal, "edits"));
        var edits = Array(management, "edits", "context_management") ?? [];
        for (var i = 0; i < edits.Count; i++)
        {
            var type = edits[i] is JsonObject edit ? String(edit, "type", $"context_management.edits[{i}]") : null;
            // Earlier thinking is never sent to another provider, so an edit that clears it is already satisfied.
            if (type is null || !type.StartsWith("clear_thinking_", StringComparison.Ordinal))
            {
                throw TranslationRefusal.Unsupported($"context_management.edits[{i}].type", target);
            }
        }
    }

    private static void ReadTools(JsonObject body, Conversation conversation, Dictionary<string, ToolDefinition> deferred, string target)
    {
        var tools = Array(body, "tools", "") ?? [];
        for (var i = 0; i < tools.Count; i++)
        {
            var path = $"tools[{i}]";
            var tool = tools[i] as JsonObject ?? throw TranslationRefusal.Invalid(path, "must be an object.");
            if (String(tool, "type", path) is { } type && type != "custom")
            {
                throw TranslationRefusal.Unsupported($"{path}.type", target, $"'{type}' is one of Anthropic's own server tools.");
            }
            OnlyKnown(tool, path, target, s_toolKeys);
            var definition = new ToolDefinition(
                String(tool, "name", path) ?? throw TranslationRefusal.Invalid($"{path}.name", "is required."),
                String(tool, "description", path),
                Object(tool, "input_schema", path)?.DeepClone(),
                Bool(tool, "strict", path));
            if (Bool(tool, "defer_loading", path) == true)
            {
                // Not shown to the model until a tool_reference loads it, as Anthropic does.
                deferred[definition.Name] = definition;
            }
            else
            {
                conversation.Tools.Add(definition);
            }
        }
    }

    private static void ReadToolChoice(JsonObject body, Conversation conversation)
    {
        if (Object(body, "tool_choice", "") is not { } choice)
        {
            return;
        }
        conversation.ToolChoice = String(choice, "type", "tool_choice") switch
        {
            "auto" => new ToolChoice(ToolChoiceKind.Auto),
            "any" => new ToolChoice(ToolChoiceKind.Required),
            "none" => new ToolChoice(ToolChoiceKind.None),
            "tool" => new ToolChoice(ToolChoiceKind.Named, String(choice, "name", "tool_choice") ?? throw TranslationRefusal.Invalid("tool_choice.name", "is required.")),
            var other => throw TranslationRefusal.Invalid("tool_choice.type", $"'{other}' is not auto, any, tool or none."),
        };
        if (Bool(choice, "disable_parallel_tool_use", "tool_choice") == true)
        {
            conversation.ParallelToolCalls = false;
        }
    }

    private static void ReadReasoning(JsonObject body, Conversation conversation, string target)
    {
        var thinking = Object(body, "thinking", "");
        var config = Object(body, "output_config", "");
        if (config is not null)
        {
            OnlyKnown(config, "output_config", target, FrozenSet.Create(StringComparer.Ordinal, "effort", "format"));
        }
        var effort = config is null ? null : String(config, "effort", "output_config");
        if (thinking is null && effort is null)
        {
            return;
        }
        var type = thinking is null ? null : String(thinking, "type", "thinking");
        var display = thinking is null ? null : String(thinking, "display", "thinking");
        conversation.Reasoning = type switch
        {
            "disabled" => new Reasoning(false, effort, null, false),
            "enabled" => new Reasoning(true, effort, Count(thinking!, "budget_tokens", "thinking"), display != "omitted"),
            "adaptive" or null => new Reasoning(type is not null, effort, null, type is not null && display != "omitted"),
            _ => throw TranslationRefusal.Invalid("thinking.type", $"'{type}' is not enabled, adaptive or disabled."),
        };
        if (effort is not null)
        {
            conversation.Fields["reasoning"] = "output_config.effort";
        }
    }

    private static void ReadFormat(JsonObject body, Conversation conversation, string target)
    {
        var format = Object(body, "output_format", "") ?? (Object(body, "output_config", "") is { } config ? Object(config, "format", "output_config") : null);
        if (format is null)
        {
            return;
        }
        var path = conversation.FieldOf("format");
        conversation.Format = String(format, "type", path) switch
        {
            "json_schema" => new OutputFormat(OutputFormatKind.JsonSchema, null, Object(format, "schema", path)?.DeepClone(), true),
            _ => throw TranslationRefusal.Unsupported($"{path}.type", target),
        };
    }

    private static void ReadContent(JsonNode? content, string path, TurnRole role, Conversation conversation, Dictionary<string, ToolDefinition> deferred, string target)
    {
        if (content is JsonValue text && text.GetValueKind() == JsonValueKind.String)
        {
            conversation.Add(role, new TextPart(text.GetValue<string>()));
            return;
        }
        if (content is not JsonArray blocks)
        {
            throw TranslationRefusal.Invalid(path, "must be a string or an array of content blocks.");
        }
        for (var i = 0; i < blocks.Count; i++)
        {
            var blockPath = $"{path}[{i}]";
            var block = blocks[i] as JsonObject ?? throw TranslationRefusal.Invalid(blockPath, "must be a content block.");
            conversation.Add(role, ReadBlock(block, blockPath, conversation, deferred, target));
        }
    }

    private static Part ReadBlock(JsonObject block, string path, Conversation conversation, Dictionary<string, ToolDefinition> deferred, string target)
    {
        var type = String(block, "type", path);
        switch (type)
        {
            case "text":
                return new TextPart(String(block, "text", path) ?? "");
            case "image":
                return ReadImage(block, path, target);
            case "tool_use":
                return new ToolCallPart(
                    String(block, "id", path) ?? "",
                    String(block, "name", path) ?? "",
                    Object(block, "input", path)?.ToJsonString() ?? "{}");
            case "tool_result":
                return ReadToolResult(block, path, conversation, deferred, target);
            case "thinking":
                return new ThinkingPart(String(block, "thinking", path) ?? "", String(block, "signature", path));
            case "redacted_thinking":
                return new ThinkingPart("", String(block, "data", path), Redacted: true);
            default:
                throw TranslationRefusal.Unsupported($"{path}.type", target, $"'{type}' blocks have no equivalent there.");
        }
    }

    private static ImagePart ReadImage(JsonObject block, string path, string target)
    {
        var source = Object(block, "source", path) ?? throw TranslationRefusal.Invalid($"{path}.source", "is required.");
        return String(source, "type", $"{path}.source") switch
        {
            "base64" => new ImagePart(null, String(source, "media_type", $"{path}.source"), String(source, "data", $"{path}.source"), null),
            "url" => new ImagePart(String(source, "url", $"{path}.source"), null, null, null),
            _ => throw TranslationRefusal.Unsupported($"{path}.source.type", target),
        };
    }

    private static ToolResultPart ReadToolResult(JsonObject block, string path, Conversation conversation, Dictionary<string, ToolDefinition> deferred, string target)
    {
        var id = String(block, "tool_use_id", path) ?? "";
        var isError = Bool(block, "is_error", path) ?? false;
        var parts = new List<Part>();
        switch (block["content"])
        {
            case null:
                break;
            case JsonValue text when text.GetValueKind() == JsonValueKind.String:
                parts.Add(new TextPart(text.GetValue<string>()));
                break;
            case JsonArray items:
                for (var i = 0; i < items.Count; i++)
                {
                    var itemPath = $"{path}.content[{i}]";
                    var item = items[i] as JsonObject ?? throw TranslationRefusal.Invalid(itemPath, "must be a content block.");
                    switch (String(item, "type", itemPath))
                    {
                        case "text":
                            parts.Add(new TextPart(String(item, "text", itemPath) ?? ""));
                            break;
                        case "image":
                            parts.Add(ReadImage(item, itemPath, target));
                            break;
                        case "tool_reference":
                            // Tool search found a deferred tool: from now on the model may call it.
                            var name = String(item, "tool_name", itemPath) ?? "";
                            if (deferred.Remove(name, out var loaded))
                            {
                                conversation.Tools.Add(loaded);
                            }
                            parts.Add(new TextPart($"Tool loaded: {name}"));
                            break;
                        default:
                            throw TranslationRefusal.Unsupported($"{itemPath}.type", target);
                    }
                }
                break;
            default:
                throw TranslationRefusal.Invalid($"{path}.content", "must be a string or an array of blocks.");
        }
        return new ToolResultPart(id, parts, isError);
    }

    /// <summary>Writes the Messages request for an Anthropic upstream.</summary>
    /// <param name="defaultMaxTokens">Messages requires max_tokens: the output Relay reserved for a call that named none.</param>
    public static JsonObject Write(Conversation conversation, long defaultMaxTokens)
    {
        var maxTokens = conversation.MaxOutputTokens ?? defaultMaxTokens;
        var body = new JsonObject
        {
            ["model"] = conversation.Model,
            ["max_tokens"] = maxTokens,
        };
        if (conversation.System.Count > 0)
        {
            body["system"] = new JsonArray([.. conversation.System.Select(text => (JsonNode)new JsonObject { ["type"] = "text", ["text"] = text })]);
        }
        var messages = new JsonArray();
        foreach (var turn in conversation.Turns)
        {
            var content = new JsonArray();
            // Messages wants a user turn's tool results before anything else in it.
            foreach (var part in turn.Parts.OrderBy(part => part is ToolResultPart ? 0 : 1))
            {
                if (WritePart(part) is { } block)
                {
                    content.Add(block);
                }
            }
            if (content.Count == 0)
            {
                continue;
            }
            messages.Add(new JsonObject
            {
                ["role"] = turn.Role switch { TurnRole.User => "user", TurnRole.Assistant => "assistant", _ => "system" },
                ["content"] = content,
            });
        }
        body["messages"] = messages;
        if (conversation.Stop.Count > 0)
        {
            body["stop_sequences"] = new JsonArray([.. conversation.Stop.Select(stop => (JsonNode)stop)]);
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
            body["tools"] = new JsonArray([.. conversation.Tools.Select(WriteTool)]);
            if (WriteToolChoice(conversation) is { } choice)
            {
                body["tool_choice"] = choice;
            }
        }
        if (conversation.Reasoning is { } reasoning && reasoning.Enabled)
        {
            var budget = reasoning.BudgetTokens ?? ReasoningScale.BudgetOf(reasoning.Effort);
            // A thinking budget must leave room for the answer, and be at least 1024 tokens.
            budget = Math.Min(budget, maxTokens - 1);
            if (budget < ReasoningScale.MinimumBudget)
            {
                throw TranslationRefusal.Invalid(conversation.FieldOf("reasoning"), $"thinking on this model needs a maximum output above {ReasoningScale.MinimumBudget} tokens; raise it or turn reasoning off.");
            }
            body["thinking"] = new JsonObject { ["type"] = "enabled", ["budget_tokens"] = budget };
        }
        if (conversation.Format is { } format)
        {
            if (format.Kind != OutputFormatKind.JsonSchema)
            {
                throw TranslationRefusal.Unsupported(conversation.FieldOf("format"), Api, "Claude models take a json_schema format, not json_object.");
            }
            body["output_config"] = new JsonObject
            {
                ["format"] = new JsonObject { ["type"] = "json_schema", ["schema"] = format.Schema?.DeepClone() ?? new JsonObject() },
            };
        }
        if (conversation.Verbosity is { } verbosity && verbosity != "medium")
        {
            throw TranslationRefusal.Unsupported(conversation.FieldOf("verbosity"), Api, "Claude models have no answer-length setting; ask for the length in the prompt.");
        }
        if (conversation.User is { } user)
        {
            body["metadata"] = new JsonObject { ["user_id"] = user };
        }
        if (conversation.Stream)
        {
            body["stream"] = true;
        }
        return body;
    }

    private static JsonObject? WritePart(Part part) => part switch
    {
        TextPart text => new JsonObject { ["type"] = "text", ["text"] = text.Text },
        ImagePart image => WriteImage(image),
        ToolCallPart call => new JsonObject
        {
            ["type"] = "tool_use",
            ["id"] = call.Id,
            ["name"] = call.Name,
            ["input"] = JsonFields.ParseArguments(call.Arguments, "tool call arguments"),
        },
        ToolResultPart result => new JsonObject
        {
            ["type"] = "tool_result",
            ["tool_use_id"] = result.CallId,
            ["content"] = new JsonArray([.. result.Content.Select(WritePart).OfType<JsonNode>()]),
            ["is_error"] = result.IsError,
        },
        // Only thinking Anthropic signed can go back to it; another provider's reasoning cannot.
        ThinkingPart { Redacted: true, Signature: { Length: > 0 } data } => new JsonObject { ["type"] = "redacted_thinking", ["data"] = data },
        ThinkingPart { Redacted: false, Signature: { Length: > 0 } signature } thinking => new JsonObject
        {
            ["type"] = "thinking",
            ["thinking"] = thinking.Text,
            ["signature"] = signature,
        },
        _ => null,
    };

    private static JsonObject WriteImage(ImagePart image) => new()
    {
        ["type"] = "image",
        ["source"] = image.Url is { } url
            ? new JsonObject { ["type"] = "url", ["url"] = url }
            : new JsonObject { ["type"] = "base64", ["media_type"] = image.MediaType, ["data"] = image.Data },
    };

    private static JsonNode WriteTool(ToolDefinition tool)
    {
        var node = new JsonObject { ["name"] = tool.Name };
        if (tool.Description is not null)
        {
            node["description"] = tool.Description;
        }
        node["input_schema"] = tool.Schema?.DeepClone() ?? new JsonObject { ["type"] = "object" };
        if (tool.Strict == true)
        {
            node["strict"] = true;
        }
        return node;
    }

    private static JsonObject? WriteToolChoice(Conversation conversation)
    {
        var choice = conversation.ToolChoice;
        if (choice is null && conversation.ParallelToolCalls != false)
        {
            return null;
        }
        var node = new JsonObject
        {
            ["type"] = (choice?.Kind ?? ToolChoiceKind.Auto) switch
            {
                ToolChoiceKind.Required => "any",
                ToolChoiceKind.None => "none",
                ToolChoiceKind.Named => "tool",
                _ => "auto",
            },
        };
        if (choice?.Kind == ToolChoiceKind.Named)
        {
            node["name"] = choice.Name;
        }
        if (conversation.ParallelToolCalls == false && choice?.Kind != ToolChoiceKind.None)
        {
            node["disable_parallel_tool_use"] = true;
        }
        return node;
    }
}
