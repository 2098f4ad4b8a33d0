using UsbMesh.Configuration;

namespace UsbMesh.Node;

/// <summary>
/// How a node's configuration is layered: the embedded <c>reference.conf</c>, then the node's file, then
/// <c>--set path=value</c> overrides, each winning over the ones before it. Substitutions are resolved after the
/// merge, so a file can refer to a default and <c>${?ENV}</c> can fill a value left unset.
/// </summary>
public static class NodeConfig
{
    /// <summary>The name of the embedded defaults, as origins show it.</summary>
    public const string ReferenceResourceName = "reference.conf";

    /// <summary>The origin description of values that come from <c>--set</c>.</summary>
    public const string OverrideOrigin = "--set";

    private static readonly Lazy<Config> LazyReference =
        new(() => ConfigurationFactory.FromResource(typeof(NodeConfig).Assembly, ReferenceResourceName));

    /// <summary>The embedded defaults (not resolved: they are resolved together with what is merged over them).</summary>
    public static Config Reference => LazyReference.Value;

    /// <summary>
    /// Loads <paramref name="file"/> (none: the defaults alone), layers <paramref name="overrides"/> (each
    /// <c>path=value</c>, later ones winning) on top, falls back to <see cref="Reference"/> and resolves the result.
    /// </summary>
    /// <exception cref="ConfigurationException">The file is missing or broken, or an override or substitution is.</exception>
    public static Config Load(string? file, IEnumerable<string>? overrides = null)
    {
        var config = Reference;
        if (file is not null)
        {
            config = ConfigurationFactory.FromFile(file).WithFallback(config);
        }

        foreach (var assignment in overrides ?? [])
        {
            config = ParseOverride(assignment).WithFallback(config);
        }

        return Checked(config);
    }

    /// <summary>Completes a configuration with the defaults it leaves out, and resolves it.</summary>
    public static Config WithReference(Config config) => Checked(config.WithFallback(Reference));

    /// <summary>Resolves the complete configuration and refuses settings the node does not know.</summary>
    private static Config Checked(Config complete)
    {
        complete.Resolve();
        UnknownSettings.Check(complete);
        return complete;
    }

    /// <summary>Whether <paramref name="assignment"/> has the shape of an override: a path, '=', a value.</summary>
    public static bool IsOverride(string assignment) => assignment.IndexOf('=', StringComparison.Ordinal) is > 0 and var equals
        && !string.IsNullOrWhiteSpace(assignment[..equals]);

    /// <summary>
    /// Parses one <c>path=value</c> override as the HOCON <c>path = value</c>, so the value may be anything HOCON
    /// allows (a string, a duration, a list, an object); an empty value is the empty string.
    /// </summary>
    public static Config ParseOverride(string assignment)
    {
        if (!IsOverride(assignment))
        {
            throw new ConfigurationException($"{OverrideOrigin} expects path=value, got [{assignment}]");
        }

        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        var value = assignment[(equals + 1)..];
        return ConfigurationFactory.ParseString(
            $"{assignment[..equals].Trim()} = {(string.IsNullOrWhiteSpace(value) ? "\"\"" : value)}", OverrideOrigin);
    }
}
