using System.Net;
using Relay.Users.Tests.Support;

namespace Relay.Users.Tests.Accounts;

[Collection(SharedSilo.Name)]
public sealed class SignUpTests(InProcessSilo silo)
{
    private HttpClient Client => silo.Api.Client;

    [Fact]
    public async Task Signing_up_without_an_invite_credits_fifty_cents_and_with_one_a_dollar()
    {
        var plain = await Client.SignUpAsync(ApiCalls.NewEmail());
        var inviteCode = plain.Body.GetProperty("inviteCode").GetString();
        var invited = await Client.SignUpAsync(ApiCalls.NewEmail(), inviteCode: inviteCode);

        Assert.Equal(HttpStatusCode.Created, plain.Status);
        Assert.Equal(0.50m, plain.Body.GetProperty("balanceUsd").GetDecimal());
        Assert.Matches("^acct_[0-9a-f]{24}$", plain.Body.GetProperty("accountId").GetString());
        Assert.Matches("^[A-HJ-NP-Z2-9]{8}$", inviteCode);
        Assert.Equal(HttpStatusCode.Created, invited.Status);
        Assert.Equal(1.00m, invited.Body.GetProperty("balanceUsd").GetDecimal());
    }

    [Fact]
    public async Task Signing_up_again_with_a_registered_email_in_any_case_is_refused_with_409()
    {
        var email = ApiCalls.NewEmail();
        var first = await Client.SignUpAsync(email);

        var again = await Client.SignUpAsync("  " + email.ToUpperInvariant() + " ", "another password");

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Equal("email_taken", again.ErrorCode);
        Assert.Equal("conflict_error", again.Body.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Of_sign_ups_racing_for_one_email_with_different_passwords_exactly_one_opens_an_account()
    {
        var email = ApiCalls.NewEmail();

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Client.SignUpAsync(email, $"password number {i}")));

        Assert.Single(answers, a => a.Status == HttpStatusCode.Created);
        Assert.Equal(3, answers.Count(a => a.Status == HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task Retried_sign_ups_with_the_same_password_all_land_on_one_account()
    {
        var email = ApiCalls.NewEmail();

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Client.SignUpAsync(email)));

        // A retry that arrives while the first attempt is still opening the account finishes that account;
        // one that arrives after it opened is told the email is taken. Never a second account.
        Assert.All(answers, a => Assert.Contains(a.Status, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        var created = answers.Where(a => a.Status == HttpStatusCode.Created).ToList();
        Assert.NotEmpty(created);
        Assert.Single(created.Select(a => a.Body.GetProperty("accountId").GetString()).Distinct());
        var signIn = await Client.SignInAsync(email);
        Assert.Equal(created[0].Body.GetProperty("accountId").GetString(), signIn.Body.GetProperty("accountId").GetString());
        Assert.Equal(0.50m, await Client.BalanceAsync(new SignedInUser("", email, ApiCalls.Password,
            signIn.Body.GetProperty("token").GetString()!, "")));
    }

    [Fact]
    public async Task An_unknown_invite_code_is_refused_and_leaves_the_email_free()
    {
        var email = ApiCalls.NewEmail();

        var refused = await Client.SignUpAsync(email, inviteCode: "NOSUCH22");
        var retried = await Client.SignUpAsync(email);

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("invalid_invite_code", refused.ErrorCode);
        Assert.Equal(HttpStatusCode.Created, retried.Status);
        Assert.Equal(0.50m, retried.Body.GetProperty("balanceUsd").GetDecimal());
    }

    [Fact]
    public async Task A_password_under_eight_characters_or_an_address_without_an_at_is_refused()
    {
        var shortPassword = await Client.SignUpAsync(ApiCalls.NewEmail(), "1234567");
        var badEmail = await Client.SignUpAsync("not-an-email", ApiCalls.Password);

        Assert.Equal(HttpStatusCode.BadRequest, shortPassword.Status);
        Assert.Equal("weak_password", shortPassword.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, badEmail.Status);
        Assert.Equal("invalid_email", badEmail.ErrorCode);
    }

    [Fact]
    public async Task Me_shows_the_balance_the_invite_link_the_inviter_and_the_rewards_earned()
    {
        var inviter = await Client.NewUserAsync();
        var invitee = await Client.NewUserAsync(inviter.InviteCode);
        await silo.Grains.GetGrain<Relay.Accounts.IAccountGrain>(invitee.AccountId).PostAsync(
            new Relay.Accounts.LedgerPosting("topup-1", Relay.Accounts.LedgerEntryKind.TopUp, Relay.Money.Usd.FromDecimal(10m), "alipay"));
        await ApiCalls.UntilAsync(async () => (await Client.MeAsync(inviter)).GetProperty("rewardsEarnedUsd").GetDecimal() != 0m);

        var me = await Client.MeAsync(inviter);
        var invitedMe = await Client.MeAsync(invitee);

        Assert.Equal(inviter.AccountId, me.GetProperty("accountId").GetString());
        Assert.Equal(inviter.Email, me.GetProperty("email").GetString());
        Assert.Equal(1.00m, me.GetProperty("balanceUsd").GetDecimal());
        Assert.Equal(0m, me.GetProperty("reservedUsd").GetDecimal());
        Assert.Equal(1.00m, me.GetProperty("availableUsd").GetDecimal());
        Assert.Equal(0.50m, me.GetProperty("rewardsEarnedUsd").GetDecimal());
        Assert.Equal($"{UserApiHost.PublicBaseUrl}/signup?invite={inviter.InviteCode}", me.GetProperty("inviteLink").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, me.GetProperty("invitedBy").ValueKind);
        Assert.Equal(inviter.AccountId, invitedMe.GetProperty("invitedBy").GetString());
        Assert.Equal(11.00m, invitedMe.GetProperty("balanceUsd").GetDecimal());
        Assert.Equal(0m, invitedMe.GetProperty("rewardsEarnedUsd").GetDecimal());
    }
}
