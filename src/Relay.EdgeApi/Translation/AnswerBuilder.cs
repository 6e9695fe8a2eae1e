using System.Text;
using Relay.Accounts;

namespace Relay.EdgeApi.Translation;

/// <summary>A whole answer in no protocol's shape: what <see cref="AnswerBuilder"/> collects from answer events.</summary>
internal sealed record Answer(
    string Id,
    string Model,
    IReadOnlyList<Part> Parts,
    StopReason Stop,
    string? StopSequence,
    TokenUsage Usage,
    UpstreamError? Error)
{
    /// <summary>Plays the answer back as events, to write it with a stream writer.</summary>
    public void Replay(IAnswerEvents events)
    {
        events.Start(Id, Model);
        foreach (var part in Parts)
        {
            switch (part)
            {
                case TextPart text:
                    events.Text(text.Text);
                    break;
                case ThinkingPart { Redacted: true } redacted:
                    events.RedactedThinking(redacted.Signature ?? "");
                    break;
                case ThinkingPart thinking:
                    if (thinking.Text.Length > 0)
                    {
                        events.Thinking(thinking.Text);
                    }
                    if (thinking.Signature is { Length: > 0 } signature)
                    {
                        events.ThinkingSignature(signature);
                    }
                    break;
                case ToolCallPart call:
                    events.ToolCall(call.Id, call.Name);
                    events.ToolArguments(call.Arguments);
                    break;
                default:
                    break;
            }
            events.EndPart();
        }
        events.Usage(Usage);
        events.Finish(Stop, StopSequence);
        events.End();
    }
}

/// <summary>Collects answer events into an <see cref="Answer"/>, for clients that did not stream.</summary>
internal sealed class AnswerBuilder : IAnswerEvents
{
    private readonly List<Part> _parts = [];
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _arguments = new();
    private string? _signature;
    private (string Id, string Name)? _call;
    private Kind _open;
    private string _id = "";
    private string _model = "";
    private StopReason _stop = StopReason.EndTurn;
    private string? _stopSequence;
    private TokenUsage _usage = TokenUsage.None;
    private UpstreamError? _error;

    private enum Kind
    {
        None,
        Text,
        Thinking,
        Tool,
    }

    public Answer Build()
    {
        EndPart();
        return new Answer(_id, _model, _parts, _stop, _stopSequence, _usage, _error);
    }

    public void Start(string id, string model)
    {
        _id = id;
        _model = model;
    }

    public void Text(string delta)
    {
        Open(Kind.Text);
        _text.Append(delta);
    }

    public void Thinking(string delta)
    {
        Open(Kind.Thinking);
        _text.Append(delta);
    }

    public void ThinkingSignature(string signature)
    {
        Open(Kind.Thinking);
        _signature = (_signature ?? "") + signature;
    }

    public void RedactedThinking(string data)
    {
        EndPart();
        _parts.Add(new ThinkingPart("", data, Redacted: true));
    }

    public void ToolCall(string id, string name)
    {
        EndPart();
        _open = Kind.Tool;
        _call = (id, name);
    }

    public void ToolArguments(string delta)
    {
        if (_open == Kind.Tool)
        {
            _arguments.Append(delta);
        }
    }

    public void EndPart()
    {
        switch (_open)
        {
            case Kind.Text:
                _parts.Add(new TextPart(_text.ToString()));
                break;
            case Kind.Thinking:
                _parts.Add(new ThinkingPart(_text.ToString(), _signature));
                break;
            case Kind.Tool:
                _parts.Add(new ToolCallPart(_call!.Value.Id, _call.Value.Name, _arguments.Length == 0 ? "{}" : _arguments.ToString()));
                break;
            default:
                break;
        }
        _open = Kind.None;
        _text.Clear();
        _arguments.Clear();
        _signature = null;
        _call = null;
    }

    public void Usage(TokenUsage usage) => _usage = usage;

    public void Finish(StopReason reason, string? stopSequence)
    {
        _stop = reason;
        _stopSequence = stopSequence;
    }

    public void End() => EndPart();

    public void Fail(UpstreamError error) => _error ??= error;

    private void Open(Kind kind)
    {
        if (_open != kind)
        {
            EndPart();
            _open = kind;
        }
    }
}
