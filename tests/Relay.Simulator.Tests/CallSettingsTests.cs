using Microsoft.AspNetCore.Http;
using Relay.Simulator.Calls;
using Relay.Simulator.Hosting;

namespace Relay.Simulator.Tests;

/// <summary>Pacing and fault settings as read from headers, with the configured defaults behind them.</summary>
public sealed class CallSettingsTests
{
    private static readonly SimulatorOptions s_options = new() { EventDelayMs = 7, FirstByteDelayMs = 40 };

    [Fact]
    public void Pacing_comes_from_the_configured_defaults_when_no_header_is_sent()
    {
        var pacing = CallSettings.Pacing(new HeaderDictionary(), s_options);

        Assert.Equal(new Pacing(TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(7)), pacing);
    }

    [Fact]
    public void Pacing_headers_override_the_defaults()
    {
        var headers = new HeaderDictionary
        {
            [SimulatorHeaders.FirstByteDelayMs] = "250",
            [SimulatorHeaders.EventDelayMs] = "0",
        };

        var pacing = CallSettings.Pacing(headers, s_options);

        Assert.Equal(new Pacing(TimeSpan.FromMilliseconds(250), TimeSpan.Zero), pacing);
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("abc")]
    [InlineData("1.5")]
    public void A_header_that_is_not_a_whole_number_is_ignored(string value)
    {
        var headers = new HeaderDictionary { [SimulatorHeaders.EventDelayMs] = value };

        Assert.Equal(TimeSpan.FromMilliseconds(7), CallSettings.Pacing(headers, s_options).EventDelay);
    }

    [Theory]
    [InlineData("", true, null)]
    [InlineData("none", true, null)]
    [InlineData("stall", true, "stall")]
    [InlineData("status-418", false, "status-418")]
    public void Faults_are_known_names_or_refused(string header, bool known, string? fault)
    {
        var headers = new HeaderDictionary { [SimulatorHeaders.Fault] = header };

        Assert.Equal(known, CallSettings.TryFault(headers, out var read));
        Assert.Equal(fault, read);
    }
}
