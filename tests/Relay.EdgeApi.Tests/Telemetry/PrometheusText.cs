using System.Globalization;

namespace Relay.EdgeApi.Tests.Telemetry;

/// <summary>Reads samples out of a Prometheus text exposition: <c>name{label="value",...} number</c> lines.</summary>
public static class PrometheusText
{
    /// <summary>The sum of the samples named <paramref name="name"/> that carry every given label; 0 when there are none.</summary>
    public static double Sum(string exposition, string name, params (string Label, string Value)[] labels) =>
        Samples(exposition, name)
            .Where(sample => labels.All(label => sample.Labels.Contains($"{label.Label}=\"{label.Value}\"", StringComparison.Ordinal)))
            .Sum(sample => sample.Value);

    public static bool Has(string exposition, string name) => Samples(exposition, name).Any();

    private static IEnumerable<(string Labels, double Value)> Samples(string exposition, string name)
    {
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }
            var rest = line[name.Length..];
            var labels = "";
            if (rest.StartsWith('{'))
            {
                var close = rest.IndexOf('}', StringComparison.Ordinal);
                labels = rest[1..close];
                rest = rest[(close + 1)..];
            }
            else if (!rest.StartsWith(' '))
            {
                // Another metric whose name merely starts with this one.
                continue;
            }
            var value = rest.Trim().Split(' ')[0];
            yield return (labels, double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture));
        }
    }
}
