namespace Relay.Simulator.Tests;

/// <summary>One server-sent event as it was framed on the wire.</summary>
internal sealed record SseMessage(string? Event, string Data)
{
    /// <summary>Splits a stream on blank lines; fails on anything but <c>event:</c> and <c>data:</c> lines.</summary>
    public static IReadOnlyList<SseMessage> Parse(string text)
    {
        Assert.DoesNotContain('\r', text);
        var messages = new List<SseMessage>();
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? name = null;
            string? data = null;
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data = line["data: ".Length..];
                }
                else
                {
                    Assert.Fail($"unexpected SSE line: {line}");
                }
            }

            messages.Add(new SseMessage(name, data ?? throw new InvalidOperationException($"event without data: {block}")));
        }

        return messages;
    }
}
