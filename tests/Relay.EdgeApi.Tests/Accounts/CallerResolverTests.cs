using System.Reflection;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Relay.EdgeApi.Accounts;
using Relay.EdgeApi.Hosting;
using Relay.Keys;

namespace Relay.EdgeApi.Tests.Accounts;

/// <summary>What looking a key up costs the cluster: nothing for a string that cannot be a key, once for an unknown key.</summary>
public sealed class CallerResolverTests : IDisposable
{
    private readonly KeyLookups _lookups = new();
    private readonly MemoryCache _cache = new(new MemoryCacheOptions());
    private readonly FailedKeyThrottle _throttle;
    private readonly CallerResolver _resolver;

    public CallerResolverTests()
    {
        var options = new RelayOptions();
        _throttle = new FailedKeyThrottle(Options.Create(options));
        _resolver = new CallerResolver(_lookups.Factory, _cache, new FixedOptions<RelayOptions>(options), _throttle);
    }

    public void Dispose()
    {
        _resolver.Dispose();
        _throttle.Dispose();
        _cache.Dispose();
    }

    [Theory]
    [InlineData("sk-relay-not-a-key")]
    [InlineData("sk-ant-api03-0123456789012345678901234567890123456789012")]
    [InlineData("sk-relay-0123456789012345678901234567890123456789012345")]
    [InlineData("sk-relay-012345678901234567890123456789012345678901+")]
    [InlineData("")]
    public async Task A_string_not_shaped_like_a_key_is_refused_without_asking_the_cluster(string notAKey)
    {
        Assert.Null(await _resolver.ResolveAsync(notAKey));

        Assert.Equal(0, _lookups.Count);
    }

    [Fact]
    public async Task Every_key_Relay_makes_is_shaped_like_a_key()
    {
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(ApiKeys.IsWellFormed(ApiKeys.NewKey()));
        }
        Assert.Null(await _resolver.ResolveAsync(ApiKeys.NewKey()));
        Assert.Equal(1, _lookups.Count);
    }

    [Fact]
    public async Task An_unknown_key_asked_for_again_is_answered_from_memory()
    {
        var unknown = ApiKeys.NewKey();

        for (var i = 0; i < 5; i++)
        {
            Assert.Null(await _resolver.ResolveAsync(unknown));
        }

        Assert.Equal(1, _lookups.Count);
    }

    /// <summary>An <see cref="IGrainFactory"/> whose key grains know no key and count how often they are asked.</summary>
    private sealed class KeyLookups
    {
        private int _count;

        public KeyLookups() => Factory = Proxy<IGrainFactory>((method, _) => method.Name == nameof(IGrainFactory.GetGrain)
            ? Proxy<IApiKeyGrain>((grainMethod, _) => grainMethod.Name == nameof(IApiKeyGrain.GetAsync)
                ? CountedMiss()
                : throw new InvalidOperationException(grainMethod.Name))
            : throw new InvalidOperationException(method.Name));

        public IGrainFactory Factory { get; }

        public int Count => Volatile.Read(ref _count);

        private Task<ApiKeyRecord?> CountedMiss()
        {
            Interlocked.Increment(ref _count);
            return Task.FromResult<ApiKeyRecord?>(null);
        }

        private static T Proxy<T>(Func<MethodInfo, object?[]?, object?> answer)
            where T : class
        {
            var proxy = DispatchProxy.Create<T, Answering>();
            ((Answering)(object)proxy).Answer = answer;
            return proxy;
        }
    }

    public class Answering : DispatchProxy
    {
        public Func<MethodInfo, object?[]?, object?> Answer { get; set; } = (_, _) => null;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => Answer(targetMethod!, args);
    }
}

/// <summary>Options that never change.</summary>
internal sealed class FixedOptions<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
