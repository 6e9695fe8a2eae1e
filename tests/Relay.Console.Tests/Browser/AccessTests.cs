using Microsoft.Playwright;
using Relay.Accounts;
using Relay.Console.Tests.Support;
using Relay.Money;
using Relay.Payments;

namespace Relay.Console.Tests.Browser;

/// <summary>What a person may not reach by typing a URL, and what an operator may do, in a real Chromium.</summary>
[Collection(SharedConsole.Name)]
public sealed class AccessTests(ConsoleWorld world)
{
    [Fact]
    public async Task A_person_cannot_open_operator_pages_or_another_persons_orders_and_receipts_by_url()
    {
        var otherPage = await world.NewPageAsync();
        var otherId = await world.SignUpAsync(otherPage, $"other-{Guid.NewGuid():N}@example.com");
        var otherOrder = await PaidOrderAsync(otherId);
        var page = await world.NewPageAsync();
        await world.SignUpAsync(page, $"snoop-{Guid.NewGuid():N}@example.com");

        foreach (var path in (string[])["/operator", "/operator/accounts/" + otherId])
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.Locator("#denied")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#account-id")).ToHaveCountAsync(0);
            await Assertions.Expect(page.Locator("#balance")).ToHaveCountAsync(0);
        }

        await ConsoleWorld.OpenAsync(page, "/receipts/" + otherOrder);
        await Assertions.Expect(page.Locator("#receipt-missing")).ToBeVisibleAsync();
        var pdf = await page.APIRequest.GetAsync($"/receipts/{otherOrder}.pdf");
        Assert.Equal(404, pdf.Status);
        await ConsoleWorld.OpenAsync(page, "/topup/return?order=" + otherOrder);
        await Assertions.Expect(page.Locator("#topup-status")).ToHaveAttributeAsync("data-status", "unknown");

        // The owner sees the same receipt.
        await ConsoleWorld.OpenAsync(otherPage, "/receipts/" + otherOrder);
        await Assertions.Expect(otherPage.Locator("#receipt")).ToContainTextAsync(otherOrder);
    }

    [Fact]
    public async Task Nobody_signed_in_is_sent_to_sign_in()
    {
        var page = await world.NewPageAsync();
        await page.GotoAsync("/usage");
        await Assertions.Expect(page).ToHaveURLAsync(new Uri(world.ConsoleUrl, "/signin?ReturnUrl=%2Fusage").AbsoluteUri);
        await page.GotoAsync("/operator");
        Assert.StartsWith(new Uri(world.ConsoleUrl, "/operator/signin").AbsoluteUri, page.Url, StringComparison.Ordinal);
        var csv = await page.APIRequest.GetAsync("/usage.csv", new() { MaxRedirects = 0 });
        Assert.Equal(302, csv.Status);
    }

    [Fact]
    public async Task An_operator_finds_an_account_by_email_and_adjusts_its_balance_with_a_reason_in_the_ledger()
    {
        var personPage = await world.NewPageAsync();
        var email = $"customer-{Guid.NewGuid():N}@example.com";
        var accountId = await world.SignUpAsync(personPage, email);
        var before = await world.Grains.GetGrain<IAccountGrain>(accountId).GetAsync();

        var page = await world.NewPageAsync();
        await ConsoleWorld.OperatorSignInAsync(page);
        await ConsoleWorld.WaitInteractiveAsync(page);
        await page.FillAsync("#account-query", email);
        await page.ClickAsync("#account-find");
        await Assertions.Expect(page.Locator("#account-id")).ToHaveTextAsync(accountId);
        await ConsoleWorld.WaitInteractiveAsync(page);
        await page.FillAsync("#adjust-amount", "1.25");
        await page.FillAsync("#adjust-reason", "goodwill after an outage");
        await page.ClickAsync("#adjust-submit");
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Adjust", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#ledger")).ToContainTextAsync("operator ops: goodwill after an outage");

        var after = await world.Grains.GetGrain<IAccountGrain>(accountId).GetAsync();
        Assert.Equal(before.Balance + Usd.FromDecimal(1.25m), after.Balance);
        await Assertions.Expect(page.Locator("#balance")).ToHaveTextAsync(Users.MoneyText.Format(after.Balance));
    }

    [Fact]
    public async Task A_viewer_operator_sees_an_account_but_cannot_change_it()
    {
        var personPage = await world.NewPageAsync();
        var accountId = await world.SignUpAsync(personPage, $"viewed-{Guid.NewGuid():N}@example.com");
        var page = await world.NewPageAsync();
        await ConsoleWorld.OperatorSignInAsync(page, ConsoleWorld.ViewerName, ConsoleWorld.ViewerPassword);
        await ConsoleWorld.OpenAsync(page, "/operator/accounts/" + accountId);
        await Assertions.Expect(page.Locator("#account-id")).ToHaveTextAsync(accountId);
        await Assertions.Expect(page.Locator("#adjust")).ToHaveCountAsync(0);
    }

    private async Task<string> PaidOrderAsync(string accountId)
    {
        var orderId = "R" + Guid.NewGuid().ToString("N")[..20];
        var quote = CnyExchange.QuoteUsd(5.00m, AlipayStandIn.UsdPerCny);
        var order = world.Grains.GetGrain<IPaymentOrderGrain>(orderId);
        await order.CreateAsync(NewPaymentOrder.For(accountId, PaymentMethod.Alipay, quote, "Relay top-up"));
        var paid = await order.ConfirmPaidAsync(new PaymentNotice("T" + orderId, quote.AmountCny));
        Assert.True(paid.IsPaid);
        return orderId;
    }
}
