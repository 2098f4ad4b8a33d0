using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using UsbMesh.Actors.Dispatch;

namespace UsbMesh.Actors;

/// <summary>
/// The immutable recipe for an actor: how to construct it, on which dispatcher it runs and how it supervises its
/// children. The kernel calls the factory again on every restart, so it must build a fresh instance each time.
/// </summary>
public sealed class Props
{
    private readonly Func<ActorBase> _factory;

    private Props(Type type, Func<ActorBase> factory, string dispatcher, SupervisorStrategy? supervisorStrategy)
    {
        Type = type;
        _factory = factory;
        Dispatcher = dispatcher;
        SupervisorStrategy = supervisorStrategy;
    }

    /// <summary>The actor class.</summary>
    public Type Type { get; }

    /// <summary>The id of the dispatcher that runs the actor.</summary>
    public string Dispatcher { get; }

    /// <summary>Overrides the actor's own <c>SupervisorStrategy()</c> for its children when set.</summary>
    public SupervisorStrategy? SupervisorStrategy { get; }

    /// <summary><c>Props.Create(() => new Counter(start))</c>: the factory runs for the first start and each restart.</summary>
    public static Props Create<TActor>(Func<TActor> factory) where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new Props(typeof(TActor), factory, Dispatchers.DefaultDispatcherId, null);
    }

    /// <summary>Creates the actor through the public constructor that accepts <paramref name="args"/>.</summary>
    public static Props Create<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TActor>(params object?[] args) where TActor : ActorBase => Create(typeof(TActor), args);

    /// <summary>Creates an actor of <paramref name="type"/> through the public constructor that accepts <paramref name="args"/>.</summary>
    public static Props Create([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type type, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (!typeof(ActorBase).IsAssignableFrom(type) || type.IsAbstract)
        {
            throw new ArgumentException($"{type} is not a concrete actor type (it must derive from ActorBase).", nameof(type));
        }

        args ??= [null];
        var constructor = FindConstructor(type, args);
        return new Props(type, () => (ActorBase)constructor.Invoke(args), Dispatchers.DefaultDispatcherId, null);
    }

    public Props WithDispatcher(string dispatcherId)
    {
        ArgumentException.ThrowIfNullOrEmpty(dispatcherId);
        return new Props(Type, _factory, dispatcherId, SupervisorStrategy);
    }

    public Props WithSupervisorStrategy(SupervisorStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        return new Props(Type, _factory, Dispatcher, strategy);
    }

    internal ActorBase NewActor() => _factory();

    public override string ToString() => $"Props({Type.Name}, dispatcher={Dispatcher})";

    private static ConstructorInfo FindConstructor(Type type, object?[] args)
    {
        var candidates = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance)
            .Where(c => Accepts(c.GetParameters(), args))
            .ToList();
        return candidates.Count switch
        {
            1 => candidates[0],
            0 => throw new ArgumentException(
                $"{type.Name} has no public constructor accepting ({string.Join(", ", args.Select(a => a?.GetType().Name ?? "null"))})."),
            _ => throw new ArgumentException($"{type.Name} has {candidates.Count} public constructors matching the arguments; use Props.Create(() => new {type.Name}(...))."),
        };
    }

    private static bool Accepts(ParameterInfo[] parameters, object?[] args) =>
        parameters.Length == args.Length &&
        parameters.Zip(args).All(p => p.Second is null
            ? !p.First.ParameterType.IsValueType || Nullable.GetUnderlyingType(p.First.ParameterType) is not null
            : p.First.ParameterType.IsInstanceOfType(p.Second));
}
