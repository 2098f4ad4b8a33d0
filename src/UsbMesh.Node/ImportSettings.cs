using UsbMesh.UsbHost;

namespace UsbMesh.Node;

/// <summary>Where an imported device appears on this machine (<c>usbmesh.imports.attach-to</c>).</summary>
public enum AttachTarget
{
    /// <summary>The kernel's vhci_hcd driver, as if plugged in here.</summary>
    Vhci,

    /// <summary>Only the usbipd-compatible endpoint, for a usbip client on this or another machine.</summary>
    Usbipd,
}

/// <summary>A device of other nodes this node imports (<c>usbmesh.imports.rules</c>).</summary>
/// <param name="Node">The exporting node's name, or <c>*</c> for any.</param>
/// <param name="Match">Which of its devices.</param>
/// <param name="AutoAttach">Whether it is attached as soon as it is offered, and again after it comes back.</param>
/// <param name="Origin">Where the rule was written, for logs.</param>
public sealed record ImportRule(string Node, DeviceMatch Match, bool AutoAttach, string Origin)
{
    /// <summary>Whether the rule names <paramref name="device"/> of the node called <paramref name="node"/>.</summary>
    public bool Matches(string node, UsbDeviceFacts device) =>
        (Node == "*" || string.Equals(Node, node, StringComparison.Ordinal)) && Match.Matches(device);
}

/// <summary>How this node imports devices of others (<c>usbmesh.imports</c>).</summary>
/// <param name="AttachTo">Where imported devices appear.</param>
/// <param name="Rules">Devices to import.</param>
/// <param name="ManualAttach">Whether devices no rule names may be attached by hand.</param>
/// <param name="ReattachDelay">The pause before an auto-attached device that went away is attached again.</param>
public sealed record ImportSettings(AttachTarget AttachTo, IReadOnlyList<ImportRule> Rules, bool ManualAttach, TimeSpan ReattachDelay)
{
    public const string ImportsPath = "usbmesh.imports";
    private static readonly string[] RuleKeys = ["node", "match", "auto-attach"];

    internal static ImportSettings Read(SettingsReader reader)
    {
        var rules = new List<ImportRule>();
        var index = 0;
        foreach (var rule in reader.Config.GetConfigList($"{ImportsPath}.rules"))
        {
            var path = $"{ImportsPath}.rules[{index++}]";
            SettingsReader.RequireKnownKeys(rule, path, "rule", RuleKeys);
            var origin = rule.GetOrigin(rule.Keys.FirstOrDefault() ?? "match")?.ToString() ?? path;
            var match = rule.HasPath("match") ? UsbHostSettingsReader.ReadMatch(rule.GetConfig("match"), $"{path}.match") : DeviceMatch.Any;
            rules.Add(new ImportRule(rule.GetString("node", "*") ?? "*", match, rule.GetBoolean("auto-attach", true), origin));
        }

        return new ImportSettings(
            reader.OneOf($"{ImportsPath}.attach-to", [("vhci", AttachTarget.Vhci), ("usbipd", AttachTarget.Usbipd)]),
            rules,
            reader.Boolean($"{ImportsPath}.manual-attach"),
            reader.PositiveDuration($"{ImportsPath}.reattach-delay", TimeSpan.FromHours(1)));
    }
}
