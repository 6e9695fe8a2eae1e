using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Relay.EdgeApi.Translation.JsonFields;

namespace Relay.EdgeApi.Translation.OpenAI;

/// <summary>
/// Chat completions requests to and from a <see cref="Conversation"/>.
/// <code>
/// Chat field                                   Conversation
/// model, stream, stream_options.include_usage  Model, Stream, IncludeUsage (written: include_usage always, so usage is metered)
/// max_completion_tokens (else max_tokens)      MaxOutputTokens
/// messages system/developer                    System before the first turn, a System turn after it
///   user content text / image_url{url,detail}  TextPart / ImagePart
///   assistant content, refusal, reasoning_content  TextPart, TextPart, ThinkingPart (never written back)
///   assistant tool_calls[{id,function{name,arguments}}]  ToolCallPart
///   tool {tool_call_id, content}               ToolResultPart in a user turn
/// tools[{type:function, function{name,description,parameters,strict}}]  Tools
/// tool_choice auto/none/required/{function}    ToolChoice; parallel_tool_calls  ParallelToolCalls
/// stop (string or list), temperature, top_p   Stop, Temperature, TopP
/// reasoning_effort                             Reasoning (none: off)
/// response_format json_object / json_schema    Format
/// user, safety_identifier                      User
/// verbosity                                    Verbosity
/// n: 1, presence/frequency_penalty: 0, logprobs: false, store: false, modalities ["text"],
/// prompt_cache_key, service_tier auto/default, stream_options.include_obfuscation   accepted: no effect on the answer
/// </code>
/// Refused by name: n above 1, non-zero penalties, logprobs, seed, logit_bias, audio, prediction, web_search_options,
/// functions/function_call, message names, store: true, metadata, verbosity towards Claude, and any field
/// this table does not list.
/// </summary>
internal static class ChatRequests
{
    public const string Api = "OpenAI Chat Completions";

    private static readonly FrozenSet<string> s_known = FrozenSet.Create(
        StringComparer.Ordinal,
        "model", "messages", "stream", "stream_options", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop",
        "tools", "tool_choice", "parallel_tool_calls", "reasoning_effort", "response_format", "user", "safety_identifier", "n",
        "presence_penalty", "frequency_penalty", "logprobs", "store", "modalities", "prompt_cache_key", "service_tier", "verbosity");

    public static Conversation Read(JsonObject body, string target)
    {
        OnlyKnown(body, "", target, s_known);
        var options = Object(body, "stream_options", "");
        if (options is not null)
        {
            OnlyKnown(options, "stream_options", target, FrozenSet.Create(StringComparer.Ordinal, "include_usage", "include_obfuscation"));
        }
        var conversation = new Conversation
        {
            Model = String(body, "model", "") ?? "",
            Stream = Bool(body, "stream", "") ?? false,
            IncludeUsage = options is not null && Bool(options, "include_usage", "stream_options") == true,
        };
        conversation.Fields["stop"] = "stop";
        conversation.Fields["format"] = "response_format";
        conversation.Fields["reasoning"] = "reasoning_effort";
        conversation.MaxOutputTokens = Count(body, "max_completion_tokens", "") ?? Count(body, "max_tokens", "");
        conversation.Temperature = Number(body, "temperature", "");
        conversation.TopP = Number(body, "top_p", "");
        conversation.Stop.AddRange(Strings(body, "stop", ""));
        conversation.User = String(body, "safety_identifier", "") ?? String(body, "user", "");
        conversation.ParallelToolCalls = Bool(body, "parallel_tool_calls", "");
        conversation.Verbosity = String(body, "verbosity", "");
        RequireNeutral(body, target);
        if (String(body, "reasoning_effort", "") is { } effort)
        {
            conversation.Reasoning = new Reasoning(effort != "none", effort, null, ShowThinking: true);
        }
        ReadFormat(body, conversation, target);
        ReadTools(body, conversation, target);

        var messages = Array(body, "messages", "") ?? throw TranslationRefusal.Invalid("messages", "is required.");
        for (var i = 0; i < messages.Count; i++)
        {
            ReadMessage(messages[i] as JsonObject ?? throw TranslationRefusal.Invalid($"messages[{i}]", "must be an object."), $"messages[{i}]", conversation, target);
        }
        return conversation;
    }

    /// <summary>Settings accepted only at the value that changes nothing.</summary>
    private static void RequireNeutral(JsonObject body, string target)
    {
        if (Count(body, "n", "") is > 1)
        {
            throw TranslationRefusal.Unsupported("n", target, "Ask for one choice per call.");
        }
        foreach (var penalty in (string[])["presence_penalty", "frequency_penalty"])
        {
            if (Number(body, penalty, "") is { } value && value.GetValue<double>() != 0)
            {
                throw TranslationRefusal.Unsupported(penalty, target);
            }
        }
        if (Bool(body, "logprobs", "") == true)
        {
            throw TranslationRefusal.Unsupported("logprobs", target);
        }
        if (Bool(body, "store", "") == true)
        {
            throw TranslationRefusal.Unsupported("store", target, "Stored completions exist only on OpenAI's own models.");
        }
        if (Array(body, "modalities", "") is { } modalities && modalities.Any(m => m?.GetValueKind() != JsonValueKind.String || m.GetValue<string>() != "text"))
        {
            throw TranslationRefusal.Unsupported("modalities", target, "Only text answers can be translated.");
        }
        if (String(body, "service_tier", "") is { } tier && tier is not ("auto" or "default"))
        {
            throw TranslationRefusal.Unsupported("service_tier", target);
        }
    }

    private static void ReadFormat(JsonObject body, Conversation conversation, string target)
    {
        if (Object(body, "response_format", "") is not { } format)
        {
            return;
        }
        conversation.Format = String(format, "type", "response_format") switch
        {
            "text" => null,
            "json_object" => new OutputFormat(OutputFormatKind.JsonObject, null, null, null),
            "json_schema" when Object(format, "json_schema", "response_format") is { } schema => new OutputFormat(
                OutputFormatKind.JsonSchema,
                String(schema, "name", "response_format.json_schema"),
                Object(schema, "schema", "response_format.json_schema")?.DeepClone(),
                Bool(schema, "strict", "response_format.json_schema")),
            _ => throw TranslationRefusal.Unsupported("response_format.type", target),
        };
    }

    private static void ReadTools(JsonObject body, Conversation conversation, string target)
    {
        var tools = Array(body, "tools", "") ?? [];
        for (var i = 0; i < tools.Count; i++)
        {
            var path = $"tools[{i}]";
            var tool = tools[i] as JsonObject ?? throw TranslationRefusal.Invalid(path, "must be an object.");
            if (String(tool, "type", path) != "function")
            {
                throw TranslationRefusal.Unsupported($"{path}.type", target);
            }
            var function = Object(tool, "function", path) ?? throw TranslationRefusal.Invalid($"{path}.function", "is required.");
            OnlyKnown(function, $"{path}.function", target, FrozenSet.Create(StringComparer.Ordinal, "name", "description", "parameters", "strict"));
            conversation.Tools.Add(new ToolDefinition(
                String(function, "name", $"{path}.function") ?? throw TranslationRefusal.Invalid($"{path}.function.name", "is required."),
                String(function, "description", $"{path}.function"),
                Object(function, "parameters", $"{path}.function")?.DeepClone(),
                Bool(function, "strict", $"{path}.function")));
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
            case JsonObject choice when String(choice, "type", "tool_choice") == "function" && Object(choice, "function", "tool_choice") is { } function:
                conversation.ToolChoice = new ToolChoice(ToolChoiceKind.Named, String(function, "name", "tool_choice.function"));
                break;
            default:
                throw TranslationRefusal.Unsupported("tool_choice", target);
        }
    }

    private static void ReadMessage(JsonObject message, string path, Conversation conversation, string target)
    {
        OnlyKnown(message, path, target, FrozenSet.Create(StringComparer.Ordinal, "role", "content", "tool_calls", "tool_call_id", "refusal", "reasoning_content"));
        var role = String(message, "role", path);
        switch (role)
        {
            case "system" or "developer":
                var text = string.Concat(ReadParts(message["content"], $"{path}.content", target).OfType<TextPart>().Select(p => p.Text));
                if (conversation.Turns.Count == 0)
                {
                    conversation.System.Add(text);
                }
                else
                {
                    conversation.Add(TurnRole.System, new TextPart(text));
                }
                break;
            case "user":
                foreach (var part in ReadParts(message["content"], $"{path}.content", target))
                {
                    conversation.Add(TurnRole.User, part);
                }
                break;
            case "assistant":
                if (String(message, "reasoning_content", path) is { Length: > 0 } reasoning)
                {
                    conversation.Add(TurnRole.Assistant, new ThinkingPart(reasoning, null));
                }
                if (message["content"] is not null)
                {
                    foreach (var part in ReadParts(message["content"], $"{path}.content", target))
                    {
                        conversation.Add(TurnRole.Assistant, part);
                    }
                }
                if (String(message, "refusal", path) is { Length: > 0 } refusal)
                {
                    conversation.Add(TurnRole.Assistant, new TextPart(refusal));
                }
                var calls = Array(message, "tool_calls", path) ?? [];
                for (var i = 0; i < calls.Count; i++)
                {
                    var callPath = $"{path}.tool_calls[{i}]";
                    var call = calls[i] as JsonObject ?? throw TranslationRefusal.Invalid(callPath, "must be an object.");
                    var function = Object(call, "function", callPath) ?? throw TranslationRefusal.Invalid($"{callPath}.function", "is required.");
                    conversation.Add(TurnRole.Assistant, new ToolCallPart(
                        String(call, "id", callPath) ?? "",
                        String(function, "name", $"{callPath}.function") ?? "",
                        String(function, "arguments", $"{callPath}.function") ?? "{}"));
                }
                break;
            case "tool":
                conversation.Add(TurnRole.User, new ToolResultPart(
                    String(message, "tool_call_id", path) ?? throw TranslationRefusal.Invalid($"{path}.tool_call_id", "is required."),
                    ReadParts(message["content"], $"{path}.content", target),
                    IsError: false));
                break;
            default:
                throw TranslationRefusal.Unsupported($"{path}.role", target, $"'{role}' messages have no equivalent there.");
        }
    }

    private static List<Part> ReadParts(JsonNode? content, string path, string target)
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
                        "text" => new TextPart(String(part, "text", partPath) ?? ""),
                        "refusal" => new TextPart(String(part, "refusal", partPath) ?? ""),
                        "image_url" when Object(part, "image_url", partPath) is { } image =>
                            ImagePart.FromUrl(String(image, "url", $"{partPath}.image_url") ?? "", String(image, "detail", $"{partPath}.image_url")),
                        var type => throw TranslationRefusal.Unsupported($"{partPath}.type", target, $"'{type}' parts have no equivalent there."),
                    });
                }
                return read;
            default:
                throw TranslationRefusal.Invalid(path, "must be a string or an array of content parts.");
        }
    }

    /// <summary>Writes the chat request for a chat upstream; it always asks for the usage chunk, which Relay meters.</summary>
    public static JsonObject Write(Conversation conversation)
    {
        var messages = new JsonArray();
        foreach (var system in conversation.System)
        {
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = system });
        }
        foreach (var turn in conversation.Turns)
        {
            switch (turn.Role)
            {
                case TurnRole.System:
                    messages.Add(new JsonObject { ["role"] = "system", ["content"] = string.Concat(turn.Parts.OfType<TextPart>().Select(p => p.Text)) });
                    break;
                case TurnRole.User:
                    foreach (var result in turn.Parts.OfType<ToolResultPart>())
                    {
                        if (result.Content.Any(part => part is not TextPart))
                        {
                            throw TranslationRefusal.Unsupported("tool result images", Api, "Chat tool results carry text only.");
                        }
                        messages.Add(new JsonObject
                        {
                            ["role"] = "tool",
                            ["tool_call_id"] = result.CallId,
                            ["content"] = (result.IsError ? "Error: " : "") + string.Concat(result.Content.OfType<TextPart>().Select(p => p.Text)),
                        });
                    }
                    var content = new JsonArray([.. turn.Parts.Where(p => p is TextPart or ImagePart).Select(WriteContentPart)]);
                    if (content.Count > 0)
                    {
                        messages.Add(new JsonObject { ["role"] = "user", ["content"] = content });
                    }
                    break;
                default:
                    var assistant = new JsonObject { ["role"] = "assistant" };
                    var text = string.Concat(turn.Parts.OfType<TextPart>().Select(p => p.Text));
                    assistant["content"] = text.Length > 0 ? text : null;
                    var calls = turn.Parts.OfType<ToolCallPart>().ToList();
                    if (calls.Count > 0)
                    {
                        assistant["tool_calls"] = new JsonArray([.. calls.Select(call => (JsonNode)new JsonObject
                        {
                            ["id"] = call.Id,
                            ["type"] = "function",
                            ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.Arguments },
                        })]);
                    }
                    if (text.Length > 0 || calls.Count > 0)
                    {
                        messages.Add(assistant);
                    }
                    break;
            }
        }
        var body = new JsonObject
        {
            ["model"] = conversation.Model,
            ["messages"] = messages,
        };
        if (conversation.MaxOutputTokens is { } max)
        {
            body["max_completion_tokens"] = max;
        }
        if (conversation.Temperature is not null)
        {
            body["temperature"] = conversation.Temperature.DeepClone();
        }
        if (conversation.TopP is not null)
        {
            body["top_p"] = conversation.TopP.DeepClone();
        }
        if (conversation.Stop.Count > 0)
        {
            body["stop"] = new JsonArray([.. conversation.Stop.Select(stop => (JsonNode)stop)]);
        }
        if (conversation.Tools.Count > 0)
        {
            body["tools"] = new JsonArray([.. conversation.Tools.Select(tool =>
            {
                var function = new JsonObject { ["name"] = tool.Name };
                if (tool.Description is not null)
                {
                    function["description"] = tool.Description;
                }
                function["parameters"] = tool.Schema?.DeepClone() ?? new JsonObject { ["type"] = "object" };
                if (tool.Strict is { } strict)
                {
                    function["strict"] = strict;
                }
                return (JsonNode)new JsonObject { ["type"] = "function", ["function"] = function };
            })]);
            if (conversation.ToolChoice is { } choice)
            {
                body["tool_choice"] = choice.Kind switch
                {
                    ToolChoiceKind.None => "none",
                    ToolChoiceKind.Required => "required",
                    ToolChoiceKind.Named => new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = choice.Name } },
                    _ => "auto",
                };
            }
            if (conversation.ParallelToolCalls is { } parallel)
            {
                body["parallel_tool_calls"] = parallel;
            }
        }
        if (conversation.Reasoning is { Enabled: true } reasoning && ReasoningScale.OpenAIEffort(reasoning) is { } effort)
        {
            body["reasoning_effort"] = effort;
        }
        if (conversation.Format is { } format)
        {
            body["response_format"] = format.Kind == OutputFormatKind.JsonObject
                ? new JsonObject { ["type"] = "json_object" }
                : new JsonObject
                {
                    ["type"] = "json_schema",
                    ["json_schema"] = new JsonObject
                    {
                        ["name"] = format.Name ?? "answer",
                        ["schema"] = format.Schema?.DeepClone() ?? new JsonObject(),
                        ["strict"] = format.Strict ?? true,
                    },
                };
        }
        if (conversation.Verbosity is { } verbosity)
        {
            body["verbosity"] = verbosity;
        }
        if (conversation.User is { } user)
        {
            body["safety_identifier"] = user;
        }
        if (conversation.Stream)
        {
            body["stream"] = true;
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }
        return body;
    }

    private static JsonNode WriteContentPart(Part part) => part switch
    {
        ImagePart image => new JsonObject
        {
            ["type"] = "image_url",
            ["image_url"] = image.Detail is null
                ? new JsonObject { ["url"] = image.AsUrl }
                : new JsonObject { ["url"] = image.AsUrl, ["detail"] = image.Detail },
        },
        TextPart text => new JsonObject { ["type"] = "text", ["text"] = text.Text },
        _ => throw new InvalidOperationException("Only text and images go in a chat user message."),
    };
}
