using System.Net;
using Relay.Users.Tests.Support;

namespace Relay.Users.Tests.Transfers;

[Collection(SharedSilo.Name)]
public sealed class TransferTests(InProcessSilo silo)
{
    private HttpClient Client => silo.Api.Client;

    [Fact]
    public async Task A_transfer_by_email_moves_the_exact_amount_once_however_often_it_is_sent()
    {
        var inviter = await Client.NewUserAsync();
        var sender = await Client.NewUserAsync(inviter.InviteCode);
        var body = new { toEmail = " " + inviter.Email.ToUpperInvariant(), amountUsd = 0.123456789m, transferId = "gift-1", note = "lunch" };

        var sent = await Client.PostAsync("/api/transfers", body, sender.Token);
        var resent = await Client.PostAsync("/api/transfers", body, sender.Token);
        await ApiCalls.UntilAsync(async () => await Client.BalanceAsync(inviter) != 0.50m);

        Assert.Equal(HttpStatusCode.OK, sent.Status);
        Assert.Equal(inviter.AccountId, sent.Body.GetProperty("toAccountId").GetString());
        Assert.Equal(0.123456789m, sent.Body.GetProperty("amountUsd").GetDecimal());
        Assert.Equal(0.876543211m, sent.Body.GetProperty("balanceUsd").GetDecimal());
        Assert.Equal(HttpStatusCode.OK, resent.Status);
        Assert.Equal(0.876543211m, await Client.BalanceAsync(sender));
        Assert.Equal(0.623456789m, await Client.BalanceAsync(inviter));
        var ledger = await Client.GetAsync("/api/ledger", inviter.Token);
        Assert.Equal(["TransferIn", "SignUpBonus"], ledger.Body.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("kind").GetString()));
    }

    [Fact]
    public async Task A_transfer_by_account_id_arrives_in_full()
    {
        var sender = await Client.NewUserAsync();
        var recipient = await Client.NewUserAsync();

        var sent = await Client.PostAsync("/api/transfers", new { toAccountId = recipient.AccountId, amountUsd = 0.5m, transferId = "all" }, sender.Token);
        await ApiCalls.UntilAsync(async () => await Client.BalanceAsync(recipient) != 0.50m);

        Assert.Equal(HttpStatusCode.OK, sent.Status);
        Assert.Equal(0m, await Client.BalanceAsync(sender));
        Assert.Equal(1.00m, await Client.BalanceAsync(recipient));
    }

    [Fact]
    public async Task Transfers_that_cannot_be_made_are_refused_and_move_nothing()
    {
        var sender = await Client.NewUserAsync();
        var recipient = await Client.NewUserAsync();

        var tooFine = await Client.PostAsync("/api/transfers", new { toEmail = recipient.Email, amountUsd = 0.0000000001m }, sender.Token);
        var negative = await Client.PostAsync("/api/transfers", new { toEmail = recipient.Email, amountUsd = -1m }, sender.Token);
        var tooMuch = await Client.PostAsync("/api/transfers", new { toEmail = recipient.Email, amountUsd = 0.500000001m }, sender.Token);
        var nobody = await Client.PostAsync("/api/transfers", new { toEmail = ApiCalls.NewEmail(), amountUsd = 0.1m }, sender.Token);
        var noAccount = await Client.PostAsync("/api/transfers", new { toAccountId = "acct_000000000000000000000000", amountUsd = 0.1m }, sender.Token);
        var self = await Client.PostAsync("/api/transfers", new { toAccountId = sender.AccountId, amountUsd = 0.1m }, sender.Token);
        var both = await Client.PostAsync("/api/transfers",
            new { toAccountId = recipient.AccountId, toEmail = recipient.Email, amountUsd = 0.1m }, sender.Token);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_amount"), (tooFine.Status, tooFine.ErrorCode));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_amount"), (negative.Status, negative.ErrorCode));
        Assert.Equal((HttpStatusCode.PaymentRequired, "insufficient_balance"), (tooMuch.Status, tooMuch.ErrorCode));
        Assert.Equal((HttpStatusCode.NotFound, "unknown_recipient"), (nobody.Status, nobody.ErrorCode));
        Assert.Equal((HttpStatusCode.NotFound, "unknown_recipient"), (noAccount.Status, noAccount.ErrorCode));
        Assert.Equal((HttpStatusCode.BadRequest, "transfer_to_self"), (self.Status, self.ErrorCode));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_recipient"), (both.Status, both.ErrorCode));
        Assert.Equal(0.50m, await Client.BalanceAsync(sender));
        Assert.Equal(0.50m, await Client.BalanceAsync(recipient));
    }

    [Fact]
    public async Task A_malformed_body_is_refused_naming_the_field()
    {
        var sender = await Client.NewUserAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/transfers")
        {
            Content = new StringContent("{\"toEmail\":\"x@example.com\",\"amountUsd\":\"lots\"}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", sender.Token);

        using var response = await Client.SendAsync(request);
        var error = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_body", error.GetProperty("code").GetString());
        Assert.Contains("'amountUsd'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0.50m, await Client.BalanceAsync(sender));
    }
}
