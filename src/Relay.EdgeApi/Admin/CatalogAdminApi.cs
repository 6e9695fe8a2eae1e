using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Relay.Catalog;
using Relay.EdgeApi.Catalog;
using Relay.Money;

namespace Relay.EdgeApi.Admin;

/// <summary>
/// Models, prices and channels under /admin: read and change the cluster's catalog (<see cref="ICatalogGrain"/>). Every
/// change is recorded in the audit log with the operator's name (header <c>x-relay-operator</c>, else "admin-api") and
/// address. Channel keys go in and never come out: answers carry a fingerprint and the last 4 characters only.
/// </summary>
public static class CatalogAdminApi
{
    private const string OperatorHeader = "x-relay-operator";

    public static RouteGroupBuilder MapCatalogAdminApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/catalog", GetCatalogAsync);
        admin.MapGet("/catalog/audit", GetAuditAsync);
        admin.MapPut("/models/{modelId}", PutModelAsync);
        admin.MapPut("/models/{modelId}/pricing", PutPricingAsync);
        admin.MapDelete("/models/{modelId}", DeleteModelAsync);
        admin.MapPost("/channels", AddChannelAsync);
        admin.MapPut("/channels/{name}", UpdateChannelAsync);
        admin.MapPut("/channels/{name}/enabled", SetChannelEnabledAsync);
        admin.MapPut("/channels/{name}/key", RotateKeyAsync);
        admin.MapDelete("/channels/{name}", DeleteChannelAsync);
        return admin;
    }

    public static async Task<Ok<CatalogBody>> GetCatalogAsync(IGrainFactory grains) =>
        TypedResults.Ok(CatalogBody.From(await Catalog(grains).GetAsync()));

    /// <summary>The audit log, newest first: <c>?before=</c> a version to page back, <c>?limit=</c> at most 1000.</summary>
    public static async Task<Ok<List<AuditEntryBody>>> GetAuditAsync(IGrainFactory grains, long? before = null, int limit = 100) =>
        TypedResults.Ok((await Catalog(grains).GetAuditAsync(before, Math.Clamp(limit, 1, 1000))).Select(AuditEntryBody.From).ToList());

    /// <summary>Adds the model or replaces it whole.</summary>
    public static async Task<IResult> PutModelAsync(string modelId, ModelBody body, HttpContext context, IGrainFactory grains, ClusterCatalog catalog)
    {
        if (body.ToDefinition(modelId) is not { } definition)
        {
            return Invalid(body.Problem!.Value);
        }
        return await AnswerAsync(await Catalog(grains).PutModelAsync(definition, Actor(context)), catalog);
    }

    /// <summary>Replaces a model's prices: list prices, discount and long-context tiers.</summary>
    public static async Task<IResult> PutPricingAsync(string modelId, PricingBody body, HttpContext context, IGrainFactory grains, ClusterCatalog catalog)
    {
        if (body.ToPricing("") is not { } pricing)
        {
            return Invalid(body.Problem!.Value);
        }
        return await AnswerAsync(await Catalog(grains).SetModelPricingAsync(modelId, pricing, Actor(context)), catalog);
    }

    public static async Task<IResult> DeleteModelAsync(string modelId, HttpContext context, IGrainFactory grains, ClusterCatalog catalog) =>
        await AnswerAsync(await Catalog(grains).RemoveModelAsync(modelId, Actor(context)), catalog);

    /// <summary>Adds a channel with its key (201); the key is never answered back.</summary>
    public static async Task<IResult> AddChannelAsync(ChannelBody body, HttpContext context, IGrainFactory grains, ClusterCatalog catalog)
    {
        if (string.IsNullOrWhiteSpace(body.Name))
        {
            return Invalid(("name", "A channel needs a name."));
        }
        var result = await Catalog(grains).AddChannelAsync(body.ToDefinition(body.Name), body.ApiKey ?? "", Actor(context));
        return result.Outcome == CatalogChangeOutcome.Applied
            ? await CreatedAsync($"/admin/channels/{body.Name}", result, catalog)
            : await AnswerAsync(result, catalog);
    }

    /// <summary>Replaces a channel's settings. A key in the body is refused: keys change only through /key, so an update never rotates one by accident.</summary>
    public static async Task<IResult> UpdateChannelAsync(string name, ChannelBody body, HttpContext context, IGrainFactory grains, ClusterCatalog catalog)
    {
        if (body.ApiKey is not null)
        {
            return Invalid(("apiKey", "A channel's key changes only through PUT /admin/channels/{name}/key."));
        }
        return await AnswerAsync(await Catalog(grains).UpdateChannelAsync(body.ToDefinition(name), Actor(context)), catalog);
    }

    public static async Task<IResult> SetChannelEnabledAsync(string name, ChannelEnabledBody body, HttpContext context, IGrainFactory grains, ClusterCatalog catalog)
    {
        if (body.Enabled is not { } enabled)
        {
            return Invalid(("enabled", "Say true or false."));
        }
        return await AnswerAsync(await Catalog(grains).SetChannelEnabledAsync(name, enabled, Actor(context)), catalog);
    }

    public static async Task<IResult> RotateKeyAsync(string name, ChannelKeyBody body, HttpContext context, IGrainFactory grains, ClusterCatalog catalog) =>
        await AnswerAsync(await Catalog(grains).RotateChannelKeyAsync(name, body.ApiKey ?? "", Actor(context)), catalog);

    public static async Task<IResult> DeleteChannelAsync(string name, HttpContext context, IGrainFactory grains, ClusterCatalog catalog) =>
        await AnswerAsync(await Catalog(grains).RemoveChannelAsync(name, Actor(context)), catalog);

    private static ICatalogGrain Catalog(IGrainFactory grains) => grains.GetGrain<ICatalogGrain>(CatalogKeys.Default);

    /// <summary>Who the audit log names: the operator the request says (the admin token is shared, so this is their word) and where it came from.</summary>
    private static string Actor(HttpContext context)
    {
        var named = context.Request.Headers[OperatorHeader].ToString();
        var name = string.IsNullOrWhiteSpace(named) || named.Length > 64 || named.Any(char.IsControl) ? "admin-api" : "admin-api:" + named.Trim();
        return $"{name} from {context.Connection.RemoteIpAddress}";
    }

    /// <summary>After a change, this edge serves it at once; the other edges pick it up on their next poll.</summary>
    private static async Task<IResult> AnswerAsync(CatalogChangeResult result, ClusterCatalog catalog)
    {
        switch (result.Outcome)
        {
            case CatalogChangeOutcome.Applied or CatalogChangeOutcome.Unchanged:
                await catalog.RefreshAsync();
                return TypedResults.Ok(new CatalogChanged(result.Outcome.ToString(), result.Version));
            case CatalogChangeOutcome.NotFound:
                return TypedResults.NotFound(new CatalogProblem(result.Field, result.Problem));
            case CatalogChangeOutcome.Conflict:
                return TypedResults.Conflict(new CatalogProblem(result.Field, result.Problem));
            default:
                return Invalid((result.Field ?? "body", result.Problem ?? "The change does not validate."));
        }
    }

    private static async Task<IResult> CreatedAsync(string location, CatalogChangeResult result, ClusterCatalog catalog)
    {
        await catalog.RefreshAsync();
        return TypedResults.Created(location, new CatalogChanged(result.Outcome.ToString(), result.Version));
    }

    private static ValidationProblem Invalid((string Field, string Problem) problem) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [problem.Field] = [problem.Problem] });
}

public sealed record CatalogChanged(string Outcome, long Version);

/// <summary>One audit entry; before and after as JSON (keys only as fingerprints), null for an addition or a removal.</summary>
public sealed record AuditEntryBody(long Version, DateTimeOffset At, string Actor, string Action, string Subject, JsonNode? Before, JsonNode? After)
{
    public static AuditEntryBody From(CatalogAuditEntry entry) => new(
        entry.Version, entry.At, entry.Actor, entry.Action, entry.Subject,
        entry.Before is null ? null : JsonNode.Parse(entry.Before), entry.After is null ? null : JsonNode.Parse(entry.After));
}

public sealed record CatalogProblem(string? Field, string? Problem);

public sealed record ChannelEnabledBody(bool? Enabled);

public sealed record ChannelKeyBody(string? ApiKey);

/// <summary>Prices in USD per million tokens as decimals; a kind left out costs input (cache) or output (reasoning).</summary>
public sealed record PricesBody(decimal? Input, decimal? Output, decimal? CacheRead, decimal? CacheWrite5m, decimal? CacheWrite1h, decimal? Reasoning)
{
    public static PricesBody From(TokenPrices prices) => new(
        prices.Input.ToDecimal(), prices.Output.ToDecimal(), prices.CacheRead?.ToDecimal(), prices.CacheWrite5m?.ToDecimal(),
        prices.CacheWrite1h?.ToDecimal(), prices.Reasoning?.ToDecimal());

    /// <summary>The prices, or the field at fault.</summary>
    public (TokenPrices? Prices, (string Field, string Problem)? Problem) ToPrices(string field)
    {
        if (Input is null || Output is null)
        {
            return (null, ($"{field}.{(Input is null ? "input" : "output")}", "Input and output prices are required."));
        }
        var values = new List<Usd?>();
        foreach (var (kind, value) in new (string, decimal?)[] { ("input", Input), ("output", Output), ("cacheRead", CacheRead), ("cacheWrite5m", CacheWrite5m), ("cacheWrite1h", CacheWrite1h), ("reasoning", Reasoning) })
        {
            try
            {
                values.Add(value is { } amount ? Usd.FromDecimal(amount) : null);
            }
            catch (Exception ex) when (ex is ArgumentException or OverflowException)
            {
                return (null, ($"{field}.{kind}", "A price is exact to a nano-dollar per million tokens and within range."));
            }
        }
        return (new TokenPrices(values[0]!.Value, values[1]!.Value, values[2], values[3], values[4], values[5]), null);
    }
}

public sealed record TierBody(long? AboveInputTokens, PricesBody? Prices);

/// <summary>A model's pricing: list prices, a discount (1 when left out) and long-context tiers.</summary>
public sealed record PricingBody(PricesBody? List, decimal? Discount, IReadOnlyList<TierBody>? Tiers)
{
    [JsonIgnore]
    public (string Field, string Problem)? Problem { get; private set; }

    public static PricingBody From(ModelPricing pricing) => new(
        PricesBody.From(pricing.List), pricing.Discount, [.. pricing.Tiers.Select(t => new TierBody(t.AboveInputTokens, PricesBody.From(t.Prices)))]);

    /// <summary>The pricing, or null with <see cref="Problem"/> set. Rules beyond the shape (exactness after the discount, rising tiers) are the grain's.</summary>
    public ModelPricing? ToPricing(string prefix)
    {
        var (list, listProblem) = (List ?? new PricesBody(null, null, null, null, null, null)).ToPrices(prefix + "list");
        if (listProblem is not null)
        {
            Problem = listProblem;
            return null;
        }
        var tiers = new List<PriceTier>();
        for (var i = 0; i < (Tiers?.Count ?? 0); i++)
        {
            var tier = Tiers![i];
            var (prices, problem) = (tier.Prices ?? new PricesBody(null, null, null, null, null, null)).ToPrices($"{prefix}tiers[{i}].prices");
            if (problem is not null || tier.AboveInputTokens is null)
            {
                Problem = problem ?? ($"{prefix}tiers[{i}].aboveInputTokens", "A tier says above how many prompt tokens it applies.");
                return null;
            }
            tiers.Add(new PriceTier(tier.AboveInputTokens.Value, prices!));
        }
        return new ModelPricing(list!, Discount ?? 1m, tiers);
    }
}

/// <summary>A model as the admin API reads and writes it.</summary>
public sealed record ModelBody(
    string? Id,
    string? DisplayName,
    string? Provider,
    string? UpstreamModel,
    IReadOnlyList<string>? Aliases,
    PricingBody? Pricing,
    DateTimeOffset? Created)
{
    [JsonIgnore]
    public (string Field, string Problem)? Problem { get; private set; }

    public static ModelBody From(ModelDefinition model) =>
        new(model.Id, model.DisplayName, model.Provider, model.UpstreamModel, model.Aliases, PricingBody.From(model.Pricing), model.Created);

    /// <summary>The definition of model <paramref name="id"/> (the path's id wins over the body's), or null with <see cref="Problem"/> set.</summary>
    public ModelDefinition? ToDefinition(string id)
    {
        if (Pricing is null)
        {
            Problem = ("pricing", "A model needs its pricing.");
            return null;
        }
        if (Pricing.ToPricing("pricing.") is not { } pricing)
        {
            Problem = Pricing.Problem;
            return null;
        }
        return new ModelDefinition(id, string.IsNullOrWhiteSpace(DisplayName) ? id : DisplayName, (Provider ?? "").ToLowerInvariant(),
            string.IsNullOrWhiteSpace(UpstreamModel) ? null : UpstreamModel, Aliases ?? [], pricing, Created);
    }
}

/// <summary>A channel as the admin API writes it; <see cref="ApiKey"/> only when adding one.</summary>
public sealed record ChannelBody(
    string? Name,
    string? Provider,
    string? BaseUrl,
    string? ApiKey,
    IReadOnlyList<string>? Models,
    int? Priority,
    int? Weight,
    IReadOnlyDictionary<string, string>? Paths,
    IReadOnlyDictionary<string, string>? ModelMap,
    bool? Enabled)
{
    public ChannelDefinition ToDefinition(string name) => new(
        name, (Provider ?? "").ToLowerInvariant(), BaseUrl ?? "", Models ?? [], Priority ?? 0, Weight ?? 1,
        Paths ?? new Dictionary<string, string>(), ModelMap ?? new Dictionary<string, string>(), Enabled ?? true);
}

/// <summary>A channel as the admin API shows it: never its key, only a fingerprint and the last 4 characters.</summary>
public sealed record ChannelViewBody(
    string Name,
    string Provider,
    string BaseUrl,
    IReadOnlyList<string> Models,
    int Priority,
    int Weight,
    IReadOnlyDictionary<string, string> Paths,
    IReadOnlyDictionary<string, string> ModelMap,
    bool Enabled,
    string KeyFingerprint,
    string KeyLast4,
    DateTimeOffset KeySetAt)
{
    public static ChannelViewBody From(ChannelView view) => new(
        view.Channel.Name, view.Channel.Provider, view.Channel.BaseUrl, view.Channel.Models, view.Channel.Priority, view.Channel.Weight,
        view.Channel.Paths, view.Channel.ModelMap, view.Channel.Enabled, view.KeyFingerprint, view.KeyLast4, view.KeySetAt);
}

public sealed record CatalogBody(long Version, IReadOnlyList<ModelBody> Models, IReadOnlyList<ChannelViewBody> Channels, DateTimeOffset? UpdatedAt)
{
    public static CatalogBody From(CatalogView view) =>
        new(view.Version, [.. view.Models.Select(ModelBody.From)], [.. view.Channels.Select(ChannelViewBody.From)], view.UpdatedAt);
}
