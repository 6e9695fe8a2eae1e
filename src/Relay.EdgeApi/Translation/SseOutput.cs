using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Relay.EdgeApi.Translation;

/// <summary>Writes server-sent events whose data is one compact JSON object, straight into the client's buffer.</summary>
internal sealed class SseOutput : IDisposable
{
    // Providers send non-ASCII text as UTF-8, not as \u escapes; only what JSON requires is escaped.
    public static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Utf8JsonWriter _json = new(new ArrayBufferWriter<byte>(1), JsonOptions);
    private IBufferWriter<byte> _target = new ArrayBufferWriter<byte>(1);

    /// <summary>Where the next events go (the client's pipe for the current chunk).</summary>
    public IBufferWriter<byte> Target
    {
        get => _target;
        set
        {
            _target = value;
            _json.Reset(value);
        }
    }

    /// <summary>Starts an event (<c>event:</c> line when named) and returns the writer for its data object, already opened.</summary>
    public Utf8JsonWriter Begin(string? name)
    {
        if (name is not null)
        {
            _target.Write("event: "u8);
            Encoding.UTF8.GetBytes(name.AsSpan(), _target);
            _target.Write("\n"u8);
        }
        _target.Write("data: "u8);
        _json.Reset(_target);
        _json.WriteStartObject();
        return _json;
    }

    /// <summary>Closes the data object and the event.</summary>
    public void End()
    {
        _json.WriteEndObject();
        _json.Flush();
        _target.Write("\n\n"u8);
    }

    public void Dispose() => _json.Dispose();

    /// <summary>An event whose data is not JSON (chat's <c>[DONE]</c>).</summary>
    public void Raw(ReadOnlySpan<byte> data)
    {
        _target.Write("data: "u8);
        _target.Write(data);
        _target.Write("\n\n"u8);
    }
}
