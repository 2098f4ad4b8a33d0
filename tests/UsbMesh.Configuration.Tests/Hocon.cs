namespace UsbMesh.Configuration.Tests;

/// <summary>Shorthands for the specs.</summary>
internal static class Hocon
{
    /// <summary>Parses and resolves HOCON text named "test.conf" and returns it as compact JSON.</summary>
    public static string Json(string hocon) => Parse(hocon).ToJson()!.ToJsonString();

    public static Config Parse(string hocon) => ConfigurationFactory.ParseString(hocon, "test.conf").Resolve();

    /// <summary>The error parsing and resolving <paramref name="hocon"/> raises.</summary>
    public static ConfigurationException Error(string hocon) => Assert.Throws<ConfigurationException>(() => Parse(hocon));
}
