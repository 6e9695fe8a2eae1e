using Relay.Accounts;
using Relay.Money;

namespace Relay.Tests.Accounts.Rules;

/// <summary>The device rules of one account, in memory: no silo, no database.</summary>
public sealed class DeviceRulesTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);
    private static readonly Usd Cent = Usd.FromDecimal(0.01m);
    private static readonly Usd Plenty = Usd.FromDecimal(10m);

    private readonly AccountOptions _rules = new();
    private readonly AccountReservations _reservations;
    private readonly AccountDevices _devices;

    public DeviceRulesTests()
    {
        _reservations = new AccountReservations(_rules, RulesTesting.Metrics());
        _devices = new AccountDevices(_rules, []);
    }

    [Fact]
    public void A_third_device_is_refused_while_two_are_active_and_named_with_their_last_activity()
    {
        Call("a", "laptop", Start);
        Call("b", "phone", Start.AddMinutes(4));

        var refused = _reservations.Admit(new AdmissionRequest("c", "desktop", Cent), Start.AddMinutes(5), Plenty, _devices);

        Assert.Equal(AdmissionOutcome.DeviceLimit, refused.Outcome);
        Assert.Equal(["laptop", "phone"], refused.ActiveDevices.Select(d => d.Device));
        Assert.Equal(Start.AddMinutes(4), refused.ActiveDevices[1].LastActive);
        Assert.Equal(Usd.Zero, _reservations.Reserved);
    }

    [Fact]
    public void A_device_idle_for_the_window_frees_its_slot_and_is_forgotten()
    {
        Call("a", "laptop", Start);
        Call("b", "phone", Start.AddMinutes(4));

        var admitted = _reservations.Admit(new AdmissionRequest("c", "desktop", Cent), Start + _rules.DeviceIdleWindow, Plenty, _devices);

        Assert.Equal(AdmissionOutcome.Admitted, admitted.Outcome);
        Assert.True(admitted.NewDevice);
        Assert.Equal(["phone", "desktop"], _devices.Active(Start + _rules.DeviceIdleWindow, _reservations.DevicesInFlight).Select(d => d.Device));
        Assert.False(_devices.Revoke("laptop"));
    }

    [Fact]
    public void A_device_with_a_call_in_flight_stays_active_past_the_idle_window()
    {
        _reservations.Admit(new AdmissionRequest("long", "laptop", Cent), Start, Plenty, _devices);
        Call("p", "phone", Start.AddMinutes(11));

        var refused = _reservations.Admit(new AdmissionRequest("t", "tablet", Cent), Start.AddMinutes(11), Plenty, _devices);

        Assert.Equal(AdmissionOutcome.DeviceLimit, refused.Outcome);
    }

    [Fact]
    public void A_known_device_is_admitted_beside_the_others_and_revoking_one_frees_its_slot()
    {
        Call("a", "laptop", Start);
        Call("b", "phone", Start);

        Assert.Equal(AdmissionOutcome.Admitted, _reservations.Admit(new AdmissionRequest("c", "phone", Cent), Start, Plenty, _devices).Outcome);
        Assert.True(_devices.Revoke("laptop"));
        Assert.Equal(AdmissionOutcome.Admitted, _reservations.Admit(new AdmissionRequest("d", "desktop", Cent), Start, Plenty, _devices).Outcome);
    }

    private void Call(string callId, string device, DateTimeOffset at)
    {
        Assert.Equal(AdmissionOutcome.Admitted, _reservations.Admit(new AdmissionRequest(callId, device, Cent), at, Plenty, _devices).Outcome);
        var reservation = _reservations.Close(callId)!.Value;
        _devices.Ended(reservation.Device, at);
    }
}
