using System.Text;
using System.Text.Json.Nodes;
using Relay.EdgeApi.Errors;

namespace Relay.EdgeApi.Tests.Errors;

/// <summary>An upstream's refusal reaches the client with its status and type, and Relay's words, never the operator's account.</summary>
public sealed class UpstreamErrorBodiesTests
{
    [Fact]
    public void A_rate_limit_naming_the_operators_organization_keeps_its_type_and_code_but_not_its_words()
    {
        const string upstream = """{"error":{"message":"Rate limit reached for gpt-5.4 in organization org-AbCdEf1234567890 on tokens per min (TPM): Limit 30000, Used 29500, Requested 900.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}""";

        var error = OpenAI(429, upstream);

        Assert.Equal("tokens", error["type"]!.GetValue<string>());
        Assert.Equal("rate_limit_exceeded", error["code"]!.GetValue<string>());
        Assert.Null(error["param"]);
        var message = error["message"]!.GetValue<string>();
        Assert.DoesNotContain("org-", message, StringComparison.Ordinal);
        Assert.DoesNotContain("30000", message, StringComparison.Ordinal);
        Assert.Contains("retry", message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_request_keeps_the_providers_detail_so_the_person_can_fix_it()
    {
        const string upstream = """{"type":"error","error":{"type":"invalid_request_error","message":"tools.0.custom.input_schema: JSON schema is invalid. It must match JSON Schema draft 2020-12"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}""";

        var body = JsonNode.Parse(UpstreamErrorBodies.Rewrite(400, Encoding.UTF8.GetBytes(upstream), ErrorDialect.Anthropic, "req_011CSHoEeqs5C35K2UUqR7Fy"))!;

        Assert.Equal("error", body["type"]!.GetValue<string>());
        Assert.Equal("invalid_request_error", body["error"]!["type"]!.GetValue<string>());
        Assert.Contains("tools.0.custom.input_schema: JSON schema is invalid", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("req_011CSHoEeqs5C35K2UUqR7Fy", body["request_id"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("Project proj_Q8a7GLmN2x4 does not have access to model gpt-5.4", "proj_")]
    [InlineData("The model gpt-5.4 does not exist in organization 'acme-llc' or you do not have access to it.", "acme")]
    [InlineData("Incorrect API key provided: sk-proj-abcdefghijklmnop1234. Contact ops@example.com", "sk-proj")]
    [InlineData("Workspace wrkspc_01Hx9ABCDEF is archived for user-Zz81kLm0Pq", "wrkspc_")]
    public void A_detail_is_passed_on_without_the_accounts_it_names(string providerMessage, string secret)
    {
        var upstream = new JsonObject { ["error"] = new JsonObject { ["message"] = providerMessage, ["type"] = "invalid_request_error", ["param"] = "model", ["code"] = "model_not_found" } };

        var error = OpenAI(404, upstream.ToJsonString());

        var message = error["message"]!.GetValue<string>();
        Assert.DoesNotContain(secret, message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("ops@example.com", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Zz81kLm0Pq", message, StringComparison.Ordinal);
        Assert.Contains("[redacted]", message, StringComparison.Ordinal);
        Assert.Equal("model", error["param"]!.GetValue<string>());
        Assert.Equal("model_not_found", error["code"]!.GetValue<string>());
    }

    [Fact]
    public void The_operators_exhausted_quota_is_not_presented_as_the_persons()
    {
        const string upstream = """{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}""";

        var error = OpenAI(429, upstream);

        Assert.Equal("insufficient_quota", error["code"]!.GetValue<string>());
        Assert.DoesNotContain("your current quota", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("operator has been alerted", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(529, "overloaded_error")]
    [InlineData(503, "overloaded_error")]
    [InlineData(500, "api_error")]
    [InlineData(429, "rate_limit_error")]
    [InlineData(400, "invalid_request_error")]
    public void A_body_that_is_no_provider_error_gets_the_type_its_status_means(int status, string anthropicType)
    {
        var body = JsonNode.Parse(UpstreamErrorBodies.Rewrite(status, "<html><body>Bad gateway at edge-proxy-7.corp.example</body></html>"u8, ErrorDialect.Anthropic, "call_1"))!;

        Assert.Equal(anthropicType, body["error"]!["type"]!.GetValue<string>());
        Assert.DoesNotContain("corp.example", body.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_zhipu_balance_error_reads_as_the_operators_quota_in_the_clients_protocol()
    {
        var error = OpenAI(429, """{"error":{"code":"1113","message":"余额不足或无可用资源包,请充值。"}}""");

        Assert.Equal("requests", error["type"]!.GetValue<string>());
        Assert.Equal("rate_limit_exceeded", error["code"]!.GetValue<string>());
        Assert.Contains("out of credit", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["message", "type", "param", "code"], error.Select(pair => pair.Key));
    }

    private static JsonObject OpenAI(int status, string upstream) =>
        JsonNode.Parse(UpstreamErrorBodies.Rewrite(status, Encoding.UTF8.GetBytes(upstream), ErrorDialect.OpenAI, null))!["error"]!.AsObject();
}
