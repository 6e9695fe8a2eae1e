using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Relay.Accounts;

namespace Relay.Catalog;

/// <summary>
/// The one catalog of the service: models, prices and channels, loaded from its own table on activation and written
/// back, with an audit row, on every change (<see cref="CatalogStore"/>). Upstream keys are encrypted with ASP.NET Core
/// Data Protection before they are stored and are decrypted only for <see cref="GetRoutingAsync"/>.
/// </summary>
internal sealed partial class CatalogGrain(
    CatalogStore store,
    IDataProtectionProvider protection,
    IOptions<ClusterOptions> cluster,
    [FromKeyedServices(RelayClock.Key)] TimeProvider clock,
    ILogger<CatalogGrain> logger) : Grain, ICatalogGrain
{
    private const int MaxActorLength = 200;

    private readonly IDataProtector _keys = protection.CreateProtector("Relay.Catalog.ChannelKey");
    private long _version;
    private StoredCatalog _catalog = StoredCatalog.Empty;
    private DateTimeOffset? _updatedAt;
    private CatalogRouting? _routing;

    private string ServiceId => cluster.Value.ServiceId;

    private string Name => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (version, catalog, updatedAt) = await store.LoadAsync(ServiceId, Name);
        _version = version;
        _catalog = catalog ?? StoredCatalog.Empty;
        _updatedAt = updatedAt;
    }

    public Task<CatalogView> GetAsync() =>
        Task.FromResult(new CatalogView(_version, _catalog.Models, [.. _catalog.Channels.Select(channel => channel.View())], _updatedAt));

    public Task<long> GetVersionAsync() => Task.FromResult(_version);

    public Task<CatalogRouting> GetRoutingAsync() => Task.FromResult(_routing ??= new CatalogRouting(_version, _catalog.Models, Decrypted()));

    public async Task<CatalogChangeResult> SeedAsync(CatalogSeed seed)
    {
        if (_version > 0)
        {
            return Result(CatalogChangeOutcome.Unchanged);
        }
        if (ProblemWithActor(seed.Actor) is { } actorProblem)
        {
            return actorProblem;
        }
        var models = new List<ModelDefinition>();
        foreach (var model in seed.Models)
        {
            if (ProblemAdding(model, models) is { } problem)
            {
                return problem with { Field = $"models[{model.Id}].{problem.Field}" };
            }
            models.Add(model);
        }
        var ids = Ids(models);
        var channels = new List<StoredChannel>();
        foreach (var (channel, apiKey) in seed.Channels)
        {
            if ((CatalogRules.ProblemWith(channel, ids) ?? CatalogRules.ProblemWithKey(apiKey)) is var (field, text))
            {
                return Result(CatalogChangeOutcome.Invalid, $"channels[{channel.Name}].{field}", text);
            }
            if (channels.Any(c => Same(c.Channel.Name, channel.Name)))
            {
                return Result(CatalogChangeOutcome.Conflict, $"channels[{channel.Name}].name", $"Two channels are named '{channel.Name}'.");
            }
            channels.Add(Store(channel, apiKey));
        }
        var after = new StoredCatalog(Sorted(models), channels);
        return await ApplyAsync(seed.Actor, "seed", "catalog", null, Audit(after), after);
    }

    public async Task<CatalogChangeResult> PutModelAsync(ModelDefinition model, string actor)
    {
        if (ProblemWithActor(actor) is { } actorProblem)
        {
            return actorProblem;
        }
        var existing = _catalog.Models.FirstOrDefault(m => Same(m.Id, model.Id));
        var others = _catalog.Models.Where(m => m != existing).ToList();
        if (ProblemAdding(model, others) is { } problem)
        {
            return problem;
        }
        if (existing is not null && Equivalent(existing, model))
        {
            return Result(CatalogChangeOutcome.Unchanged);
        }
        var after = _catalog with { Models = Sorted([.. others, model]) };
        return await ApplyAsync(actor, existing is null ? "model.add" : "model.update", model.Id, existing, model, after);
    }

    public async Task<CatalogChangeResult> SetModelPricingAsync(string modelId, ModelPricing pricing, string actor)
    {
        var existing = _catalog.Models.FirstOrDefault(m => Same(m.Id, modelId));
        if (existing is null)
        {
            return ProblemWithActor(actor) ?? Result(CatalogChangeOutcome.NotFound, "modelId", $"There is no model '{modelId}'.");
        }
        return await PutModelAsync(existing with { Pricing = pricing }, actor);
    }

    public async Task<CatalogChangeResult> RemoveModelAsync(string modelId, string actor)
    {
        if (ProblemWithActor(actor) is { } actorProblem)
        {
            return actorProblem;
        }
        var existing = _catalog.Models.FirstOrDefault(m => Same(m.Id, modelId));
        if (existing is null)
        {
            return Result(CatalogChangeOutcome.NotFound, "modelId", $"There is no model '{modelId}'.");
        }
        // A channel that lists the model would be left serving an unknown id, and emptying its list would make it
        // serve every model of its provider: the operator changes the channel first.
        if (_catalog.Channels.FirstOrDefault(c => c.Channel.Models.Contains(existing.Id, StringComparer.OrdinalIgnoreCase) || c.Channel.ModelMap.Keys.Contains(existing.Id, StringComparer.OrdinalIgnoreCase)) is { } user)
        {
            return Result(CatalogChangeOutcome.Conflict, "modelId", $"The channel '{user.Channel.Name}' names '{existing.Id}'; change the channel first.");
        }
        var after = _catalog with { Models = [.. _catalog.Models.Where(m => m != existing)] };
        return await ApplyAsync(actor, "model.remove", existing.Id, existing, null, after);
    }

    public async Task<CatalogChangeResult> AddChannelAsync(ChannelDefinition channel, string apiKey, string actor)
    {
        if ((ProblemWithActor(actor) ?? ProblemWith(channel) ?? ProblemWithKey(apiKey)) is { } problem)
        {
            return problem;
        }
        if (Find(channel.Name) is not null)
        {
            return Result(CatalogChangeOutcome.Conflict, "name", $"A channel named '{channel.Name}' exists; update it or rotate its key instead.");
        }
        var added = Store(channel, apiKey);
        var after = _catalog with { Channels = [.. _catalog.Channels, added] };
        return await ApplyAsync(actor, "channel.add", channel.Name, null, added.View(), after);
    }

    public async Task<CatalogChangeResult> UpdateChannelAsync(ChannelDefinition channel, string actor)
    {
        if ((ProblemWithActor(actor) ?? ProblemWith(channel)) is { } problem)
        {
            return problem;
        }
        if (Find(channel.Name) is not { } existing)
        {
            return Result(CatalogChangeOutcome.NotFound, "name", $"There is no channel '{channel.Name}'.");
        }
        // The stored name keeps its spelling: a channel's name is its identity in usage records and metrics.
        var updated = existing with { Channel = channel with { Name = existing.Channel.Name } };
        return await ReplaceAsync(actor, "channel.update", existing, updated);
    }

    public async Task<CatalogChangeResult> SetChannelEnabledAsync(string channelName, bool enabled, string actor)
    {
        if (ProblemWithActor(actor) is { } actorProblem)
        {
            return actorProblem;
        }
        if (Find(channelName) is not { } existing)
        {
            return Result(CatalogChangeOutcome.NotFound, "name", $"There is no channel '{channelName}'.");
        }
        return await ReplaceAsync(actor, enabled ? "channel.enable" : "channel.disable", existing, existing with { Channel = existing.Channel with { Enabled = enabled } });
    }

    public async Task<CatalogChangeResult> RotateChannelKeyAsync(string channelName, string apiKey, string actor)
    {
        if ((ProblemWithActor(actor) ?? ProblemWithKey(apiKey)) is { } problem)
        {
            return problem;
        }
        if (Find(channelName) is not { } existing)
        {
            return Result(CatalogChangeOutcome.NotFound, "name", $"There is no channel '{channelName}'.");
        }
        // Always a change, even with the same key: the operator asked for it and the log shows when it was done.
        var rotated = Store(existing.Channel, apiKey);
        var after = _catalog with { Channels = [.. _catalog.Channels.Select(c => c == existing ? rotated : c)] };
        return await ApplyAsync(actor, "channel.rotate-key", existing.Channel.Name, existing.View(), rotated.View(), after);
    }

    public async Task<CatalogChangeResult> RemoveChannelAsync(string channelName, string actor)
    {
        if (ProblemWithActor(actor) is { } actorProblem)
        {
            return actorProblem;
        }
        if (Find(channelName) is not { } existing)
        {
            return Result(CatalogChangeOutcome.NotFound, "name", $"There is no channel '{channelName}'.");
        }
        var after = _catalog with { Channels = [.. _catalog.Channels.Where(c => c != existing)] };
        return await ApplyAsync(actor, "channel.remove", existing.Channel.Name, existing.View(), null, after);
    }

    public Task<IReadOnlyList<CatalogAuditEntry>> GetAuditAsync(long? before, int limit) =>
        store.ReadAuditAsync(ServiceId, Name, before, Math.Clamp(limit, 1, 1000));

    private async Task<CatalogChangeResult> ReplaceAsync(string actor, string action, StoredChannel existing, StoredChannel updated)
    {
        if (ChannelsEqual(existing.Channel, updated.Channel))
        {
            return Result(CatalogChangeOutcome.Unchanged);
        }
        var after = _catalog with { Channels = [.. _catalog.Channels.Select(c => c == existing ? updated : c)] };
        return await ApplyAsync(actor, action, existing.Channel.Name, existing.View(), updated.View(), after);
    }

    /// <summary>Stores the new catalog and its audit row together; the grain's memory changes only once both are written.</summary>
    private async Task<CatalogChangeResult> ApplyAsync(string actor, string action, string subject, object? before, object? after, StoredCatalog catalog)
    {
        var version = _version + 1;
        var now = clock.GetUtcNow();
        var entry = new CatalogAuditEntry(version, now, actor, action, subject,
            before is null ? null : CatalogJson.Write(before), after is null ? null : CatalogJson.Write(after), version);
        try
        {
            await store.SaveAsync(ServiceId, Name, version, catalog, entry);
        }
        catch (CatalogConflictException)
        {
            // Another activation wrote meanwhile: this one's view is stale. The next call activates afresh from the table.
            DeactivateOnIdle();
            throw;
        }
        _version = version;
        _catalog = catalog;
        _updatedAt = now;
        _routing = null;
        LogChanged(logger, action, subject, actor, version);
        return Result(CatalogChangeOutcome.Applied);
    }

    private List<KeyedChannel> Decrypted()
    {
        var channels = new List<KeyedChannel>(_catalog.Channels.Count);
        foreach (var channel in _catalog.Channels)
        {
            try
            {
                channels.Add(new KeyedChannel(channel.Channel, _keys.Unprotect(channel.ProtectedKey)));
            }
            catch (System.Security.Cryptography.CryptographicException ex)
            {
                // The key ring lost the key this was encrypted with: the channel cannot be called until its key is rotated.
                LogUndecryptable(logger, ex, channel.Channel.Name);
            }
        }
        return channels;
    }

    private StoredChannel Store(ChannelDefinition channel, string apiKey) =>
        new(channel, _keys.Protect(apiKey), CatalogRules.Fingerprint(apiKey), CatalogRules.Last4(apiKey), clock.GetUtcNow());

    private StoredChannel? Find(string name) => _catalog.Channels.FirstOrDefault(c => Same(c.Channel.Name, name));

    private CatalogChangeResult? ProblemAdding(ModelDefinition model, IReadOnlyList<ModelDefinition> others)
    {
        if (CatalogRules.ProblemWith(model) is var (field, text))
        {
            return Result(CatalogChangeOutcome.Invalid, field, text);
        }
        var taken = others.SelectMany(m => m.Aliases.Prepend(m.Id).Select(name => (name, m.Id))).ToList();
        foreach (var name in model.Aliases.Prepend(model.Id))
        {
            if (taken.FirstOrDefault(t => Same(t.name, name)) is { name: not null } clash)
            {
                return Result(CatalogChangeOutcome.Conflict, name == model.Id ? "id" : "aliases", $"The name '{name}' is already given to '{clash.Id}'.");
            }
        }
        if (model.Aliases.Append(model.Id).GroupBy(name => name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            return Result(CatalogChangeOutcome.Invalid, "aliases", $"The name '{twice.Key}' is given twice.");
        }
        return null;
    }

    private CatalogChangeResult? ProblemWith(ChannelDefinition channel) =>
        CatalogRules.ProblemWith(channel, Ids(_catalog.Models)) is var (field, text) ? Result(CatalogChangeOutcome.Invalid, field, text) : null;

    private CatalogChangeResult? ProblemWithKey(string apiKey) =>
        CatalogRules.ProblemWithKey(apiKey) is var (field, text) ? Result(CatalogChangeOutcome.Invalid, field, text) : null;

    private CatalogChangeResult? ProblemWithActor(string actor) =>
        string.IsNullOrWhiteSpace(actor) || actor.Length > MaxActorLength
            ? Result(CatalogChangeOutcome.Invalid, "actor", $"Every change names who made it (1 to {MaxActorLength} characters).")
            : null;

    private CatalogChangeResult Result(CatalogChangeOutcome outcome, string? field = null, string? problem = null) => new(outcome, _version, field, problem);

    /// <summary>What the audit log shows of a whole catalog: its models and its channels without keys.</summary>
    private static object Audit(StoredCatalog catalog) => new { models = catalog.Models, channels = catalog.Channels.Select(c => c.View()).ToList() };

    private static HashSet<string> Ids(IEnumerable<ModelDefinition> models) => models.Select(m => m.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);

    private static List<ModelDefinition> Sorted(IEnumerable<ModelDefinition> models) => [.. models.OrderBy(m => m.Id, StringComparer.Ordinal)];

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    // Records with lists compare lists by reference; the catalog compares them by value, through their JSON.
    private static bool Equivalent(ModelDefinition a, ModelDefinition b) => CatalogJson.Write(a) == CatalogJson.Write(b);

    private static bool ChannelsEqual(ChannelDefinition a, ChannelDefinition b) => CatalogJson.Write(a) == CatalogJson.Write(b);

    [LoggerMessage(1, LogLevel.Information, "Catalog {Action} of {Subject} by {Actor}: version {Version}")]
    private static partial void LogChanged(ILogger logger, string action, string subject, string actor, long version);

    [LoggerMessage(2, LogLevel.Error, "The upstream key of channel {Channel} cannot be decrypted (its Data Protection key is gone); rotate the channel's key")]
    private static partial void LogUndecryptable(ILogger logger, Exception exception, string channel);
}
