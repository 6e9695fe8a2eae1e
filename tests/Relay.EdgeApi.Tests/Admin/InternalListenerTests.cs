using System.Net;
using System.Net.Http.Json;
using Relay.EdgeApi.Tests.Support;

namespace Relay.EdgeApi.Tests.Admin;

/// <summary>The admin API and metrics live on the internal listener only; the public one does not know them.</summary>
[Collection(SharedEdge.Name)]
public sealed class InternalListenerTests(EdgeHarness edge)
{
    public static TheoryData<string, string> OperatorRequests => new()
    {
        { "GET", "admin/accounts/acct_nobody" },
        { "GET", "ADMIN/accounts/acct_nobody" },
        { "GET", "Admin/Accounts/acct_nobody" },
        { "GET", "admin/accounts?email=someone@example.com" },
        { "POST", "admin/accounts" },
        { "POST", "aDmIn/accounts" },
        { "PUT", "admin/keys/0123" },
        { "DELETE", "ADMIN/KEYS/0123" },
        { "GET", "metrics" },
        { "GET", "METRICS" },
        { "GET", "Metrics/" },
        { "GET", "//admin/accounts/acct_nobody" },
    };

    [Theory]
    [MemberData(nameof(OperatorRequests))]
    public async Task The_public_listener_answers_404_for_operator_paths_in_any_case_and_method_even_with_the_token(string method, string path)
    {
        using var request = EdgeHarness.Admin(new HttpMethod(method), path, method is "POST" or "PUT" ? new { email = "a@example.com" } : null);
        // Absolute, so that "//admin" stays a path and is not read as a host.
        request.RequestUri = new Uri(edge.BaseUrl.GetLeftPart(UriPartial.Authority) + "/" + path);

        using var response = await edge.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task The_internal_listener_serves_the_admin_api_and_metrics()
    {
        using var noToken = new HttpRequestMessage(HttpMethod.Get, "admin/accounts/acct_nobody");
        using var opened = EdgeHarness.Admin(HttpMethod.Post, "ADMIN/accounts", new { email = $"{Guid.NewGuid():N}@example.com" });

        using var unauthorized = await edge.AdminHttp.SendAsync(noToken);
        using var created = await edge.AdminHttp.SendAsync(opened);
        using var metrics = await edge.AdminHttp.GetAsync("metrics");
        using var health = await edge.AdminHttp.GetAsync("healthz");

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.StartsWith("acct_", (await created.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["accountId"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
