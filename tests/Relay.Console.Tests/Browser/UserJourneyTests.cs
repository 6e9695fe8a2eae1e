using Microsoft.Playwright;
using Relay.Accounts;
using Relay.Console.Tests.Support;
using Relay.Console.Users;
using Relay.Money;

namespace Relay.Console.Tests.Browser;

/// <summary>A person's whole path through the console, in a real Chromium, against a real silo, edge and simulator.</summary>
[Collection(SharedConsole.Name)]
public sealed class UserJourneyTests(ConsoleWorld stack)
{
    [Fact]
    public async Task Invited_person_signs_up_makes_a_key_calls_tops_up_by_Alipay_and_the_inviter_earns_five_percent()
    {
        // The inviter signs up on their own and reads their invite link.
        var inviterPage = await stack.NewPageAsync();
        var inviterEmail = $"inviter-{Guid.NewGuid():N}@example.com";
        var inviterId = await stack.SignUpAsync(inviterPage, inviterEmail);
        await ConsoleWorld.OpenAsync(inviterPage, "/invite");
        var code = (await inviterPage.TextContentAsync("#invite-code"))!.Trim();
        await Assertions.Expect(inviterPage.Locator("#invite-link")).ToHaveTextAsync(new Uri(stack.ConsoleUrl, "/?invite=" + code).AbsoluteUri);

        // The friend follows the link: the sign-up form has the code filled in.
        var page = await stack.NewPageAsync();
        await page.GotoAsync("/?invite=" + code);
        await Assertions.Expect(page).ToHaveURLAsync(new Uri(stack.ConsoleUrl, "/signup?invite=" + code).AbsoluteUri);
        await Assertions.Expect(page.Locator("#invite")).ToHaveValueAsync(code);
        var email = $"friend-{Guid.NewGuid():N}@example.com";
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", "a good long password");
        await page.ClickAsync("#sign-up");
        await Assertions.Expect(page.Locator("#welcome")).ToBeVisibleAsync();
        var accountId = (await stack.Grains.GetGrain<Relay.Identity.IEmailGrain>(email).GetAsync())!.AccountId;
        var account = await stack.Grains.GetGrain<IAccountGrain>(accountId).GetAsync();
        Assert.Equal(inviterId, account.InvitedBy);
        await Assertions.Expect(page.Locator("#balance")).ToHaveTextAsync(MoneyText.Format(account.Balance));

        // A key, shown once.
        await ConsoleWorld.OpenAsync(page, "/keys");
        await page.FillAsync("#key-name", "laptop");
        await page.ClickAsync("#create-key");
        var key = (await page.Locator("#new-key-value").TextContentAsync())!.Trim();
        Assert.StartsWith("sk-relay-", key, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#keys")).ToContainTextAsync("laptop");

        // A call through the edge with that key; the usage page shows it at its exact ledger cost.
        await stack.CallAsync(key);
        var call = await stack.NewestCallAsync(accountId);
        var expected = Usd.ForTokens(
            new TokenCost(ConsoleWorld.InputTokens, Usd.FromDecimal(3m)), new TokenCost(ConsoleWorld.OutputTokens, Usd.FromDecimal(15m)));
        Assert.Equal(expected, call.Usage!.Cost);
        await ConsoleWorld.OpenAsync(page, "/usage");
        var row = page.Locator($"#calls tr[data-seq='{call.Sequence}']");
        await Assertions.Expect(row).ToContainTextAsync("claude-sonnet-4-6");
        await Assertions.Expect(row.Locator(".call-cost")).ToHaveTextAsync(MoneyText.Format(expected));
        await Assertions.Expect(row).ToContainTextAsync(call.Usage.UpstreamId!);
        await Assertions.Expect(page.Locator("#total-cost")).ToHaveTextAsync(MoneyText.Format(expected));
        await Assertions.Expect(page.Locator("#chart-cost")).ToContainTextAsync("claude-sonnet-4-6");
        await Assertions.Expect(page.Locator("#chart-cost path.mud-chart-bar")).ToHaveCountAsync(1);

        // Top up $5.00 by Alipay: the CNY amount shows before paying, the browser goes to the signed payment page.
        await ConsoleWorld.OpenAsync(page, "/topup");
        await page.FillAsync("#alipay-amount", "5.00");
        await Assertions.Expect(page.Locator("#alipay-quote")).ToContainTextAsync("¥36.24");
        await page.ClickAsync("#alipay-pay");
        await page.WaitForURLAsync(url => url.StartsWith(stack.GatewayUrl.AbsoluteUri, StringComparison.Ordinal));
        var payUrl = new Uri(page.Url);
        Assert.True(stack.Alipay.IsSignedByMerchant(payUrl));
        var (orderId, total) = AlipayStandIn.OrderOf(payUrl);
        Assert.Equal("36.24", total);

        // Back on the return page the order waits; Alipay's notification reaches the edge and the page turns to paid.
        await ConsoleWorld.OpenAsync(page, "/topup/return?out_trade_no=" + orderId);
        await Assertions.Expect(page.Locator("#topup-status")).ToHaveAttributeAsync("data-status", "waiting");
        using (var notification = stack.Alipay.PaidNotification(orderId, total))
        using (var answer = await stack.Edge.PostAsync("/payments/alipay/notify", notification))
        {
            Assert.Equal("success", await answer.Content.ReadAsStringAsync());
        }
        await Assertions.Expect(page.Locator("#topup-status")).ToHaveAttributeAsync("data-status", "paid", new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("#topup-status")).ToContainTextAsync("$5.00");

        // The receipt: on screen, and as a PDF.
        await ConsoleWorld.OpenAsync(page, "/receipts");
        await Assertions.Expect(page.Locator("#receipts")).ToContainTextAsync(orderId);
        await ConsoleWorld.OpenAsync(page, "/receipts/" + orderId);
        await Assertions.Expect(page.Locator("#receipt")).ToContainTextAsync("$5.00 USD");
        var pdf = await page.APIRequest.GetAsync($"/receipts/{orderId}.pdf");
        Assert.Equal(200, pdf.Status);
        Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString((await pdf.BodyAsync())[..4]));

        // The inviter's page shows 5% of the friend's first top-up.
        await ConsoleWorld.OpenAsync(inviterPage, "/invite");
        await Assertions.Expect(inviterPage.Locator("#rewards-total")).ToHaveTextAsync("$0.25");
        var inviter = stack.Grains.GetGrain<IAccountGrain>(inviterId);
        var reward = (await inviter.GetLedgerAsync(null, 10)).Single(e => e.Kind == LedgerEntryKind.ReferralReward);
        Assert.Equal(Usd.FromDecimal(0.25m), reward.Delta);
    }

    [Fact]
    public async Task Giving_balance_asks_for_confirmation_and_shows_the_ledger_line()
    {
        var friendPage = await stack.NewPageAsync();
        var friendEmail = $"receiver-{Guid.NewGuid():N}@example.com";
        var friendId = await stack.SignUpAsync(friendPage, friendEmail);
        var page = await stack.NewPageAsync();
        var senderId = await stack.SignUpAsync(page, $"giver-{Guid.NewGuid():N}@example.com");
        var before = await stack.Grains.GetGrain<IAccountGrain>(friendId).GetAsync();

        await ConsoleWorld.OpenAsync(page, "/transfer");
        await page.FillAsync("#transfer-email", friendEmail);
        await page.FillAsync("#transfer-amount", "0.20");
        await page.ClickAsync("#transfer-review");
        await Assertions.Expect(page.Locator("#transfer-confirm-text")).ToContainTextAsync("$0.20");
        // Nothing moves before the confirmation.
        Assert.Equal(before.Balance, (await stack.Grains.GetGrain<IAccountGrain>(friendId).GetAsync()).Balance);
        await page.ClickAsync("#transfer-confirm");
        await Assertions.Expect(page.Locator("#transfer-ledger-line")).ToContainTextAsync("-$0.20");

        var sent = (await stack.Grains.GetGrain<IAccountGrain>(senderId).GetLedgerAsync(null, 1)).Single();
        Assert.Equal(LedgerEntryKind.TransferOut, sent.Kind);
        await Assertions.Expect(page.Locator("#transfer-ledger-line")).ToContainTextAsync(MoneyText.Format(sent.BalanceAfter));
    }
}
