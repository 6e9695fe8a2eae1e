using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;
using Relay.Accounts;
using Relay.Money;

namespace Relay.Tests.Accounts.Rules;

/// <summary>The admission rules and reservations of one account, in memory: no silo, no database.</summary>
public sealed class AdmissionRulesTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);
    private static readonly Usd Cent = Usd.FromDecimal(0.01m);

    private readonly AccountOptions _rules = new();
    private readonly AccountReservations _reservations;
    private readonly AccountDevices _devices;

    public AdmissionRulesTests()
    {
        _reservations = new AccountReservations(_rules, RulesTesting.Metrics());
        _devices = new AccountDevices(_rules, []);
    }

    [Fact]
    public void An_admitted_call_reserves_its_estimate_until_it_is_closed()
    {
        var decision = _reservations.Admit(new AdmissionRequest("c1", "laptop", Cent), Start, available: Usd.FromDecimal(1m), _devices);

        Assert.Equal(AdmissionOutcome.Admitted, decision.Outcome);
        Assert.Equal(Cent, decision.Opened?.Amount);
        Assert.Equal(Cent, _reservations.Reserved);
        Assert.Equal(Cent, _reservations.Close("c1")?.Amount);
        Assert.Equal(Usd.Zero, _reservations.Reserved);
        Assert.Null(_reservations.Close("c1"));
    }

    [Fact]
    public void Nothing_is_admitted_once_nothing_is_available()
    {
        var decision = _reservations.Admit(new AdmissionRequest("c1", "laptop", Cent), Start, available: Usd.Zero, _devices);

        Assert.Equal(AdmissionOutcome.InsufficientBalance, decision.Outcome);
        Assert.Null(decision.Opened);
        Assert.Equal(Usd.Zero, _reservations.Reserved);
    }

    [Fact]
    public void Admitting_the_same_call_again_reserves_nothing_more()
    {
        _reservations.Admit(new AdmissionRequest("c1", "laptop", Cent), Start, Usd.FromDecimal(1m), _devices);

        var again = _reservations.Admit(new AdmissionRequest("c1", "laptop", Cent), Start, Usd.FromDecimal(1m) - Cent, _devices);

        Assert.Equal(AdmissionOutcome.Admitted, again.Outcome);
        Assert.Null(again.Opened);
        Assert.Equal(Cent, _reservations.Reserved);
    }

    [Fact]
    public void A_call_released_before_its_admission_came_is_not_reserved_when_the_admission_comes()
    {
        _reservations.RememberReleasedUnseen("c1", Start);

        var late = _reservations.Admit(new AdmissionRequest("c1", "laptop", Cent), Start, Usd.FromDecimal(1m), _devices);

        Assert.Equal(AdmissionOutcome.AlreadyReleased, late.Outcome);
        Assert.Equal(0, _reservations.Count);
    }

    [Fact]
    public void Reservations_expire_after_the_timeout_and_not_before()
    {
        _reservations.Admit(new AdmissionRequest("old", "laptop", Cent), Start, Usd.FromDecimal(1m), _devices);
        _reservations.Admit(new AdmissionRequest("new", "laptop", Cent), Start.AddMinutes(1), Usd.FromDecimal(1m), _devices);
        Assert.True(_reservations.MarkStarted("old"));

        Assert.Empty(_reservations.TakeExpired(Start + _rules.ReservationTimeout - TimeSpan.FromTicks(1)));
        var expired = _reservations.TakeExpired(Start + _rules.ReservationTimeout);

        var (callId, reservation) = Assert.Single(expired);
        Assert.Equal("old", callId);
        Assert.True(reservation.Started);
        Assert.Equal(Cent, _reservations.Reserved);
    }

    [Fact]
    public void A_reservation_put_back_after_a_failed_close_is_counted_once()
    {
        _reservations.Admit(new AdmissionRequest("c1", "laptop", Cent), Start, Usd.FromDecimal(1m), _devices);
        var closed = _reservations.Close("c1")!.Value;

        Assert.True(_reservations.Reopen("c1", closed));
        Assert.False(_reservations.Reopen("c1", closed));
        Assert.Equal(Cent, _reservations.Reserved);
    }
}

internal static class RulesTesting
{
    public static AccountMetrics Metrics() =>
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
}
