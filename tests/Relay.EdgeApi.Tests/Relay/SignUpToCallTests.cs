using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Relay.EdgeApi.Tests.Support;
using Relay.Money;

namespace Relay.EdgeApi.Tests.Relay;

/// <summary>A person's whole path on one edge: sign up, sign in, make a key, call a model, see the charge.</summary>
[Collection(SharedEdge.Name)]
public sealed class SignUpToCallTests(EdgeHarness edge)
{
    [Fact]
    public async Task A_new_user_can_spend_the_sign_up_credit_with_a_key_they_made()
    {
        var email = $"{Guid.NewGuid():N}@example.com";
        using var signUp = await edge.Http.PostAsJsonAsync("api/signup", new { email, password = "correct horse battery" });
        Assert.Equal(HttpStatusCode.Created, signUp.StatusCode);
        var accountId = (await signUp.Content.ReadFromJsonAsync<JsonObject>())!["accountId"]!.GetValue<string>();
        var credit = (await edge.AccountAsync(accountId)).Balance;
        Assert.True(credit.IsPositive);
        using var signIn = await edge.Http.PostAsJsonAsync("api/signin", new { email, password = "correct horse battery" });
        var token = (await signIn.Content.ReadFromJsonAsync<JsonObject>())!["token"]!.GetValue<string>();
        using var makeKey = new HttpRequestMessage(HttpMethod.Post, "api/keys") { Content = JsonContent.Create(new { name = "laptop" }) };
        makeKey.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var made = await edge.Http.SendAsync(makeKey);
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        var key = (await made.Content.ReadFromJsonAsync<JsonObject>())!["key"]!.GetValue<string>();

        using var call = new HttpRequestMessage(HttpMethod.Post, "v1/messages")
        {
            Content = new StringContent("""{"model":"claude-sonnet-4-6","max_tokens":50,"messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"),
        };
        call.Headers.Add("x-api-key", key);
        using var answered = await edge.Http.SendAsync(call);

        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        await edge.Settlements.WaitForAsync(accountId, 1);
        Assert.Equal(credit - Usd.FromDecimal(0.002862m), (await edge.AccountAsync(accountId)).Balance);
    }
}
