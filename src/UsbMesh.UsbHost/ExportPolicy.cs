namespace UsbMesh.UsbHost;

/// <summary>What a rule does with the devices it matches.</summary>
public enum ExportRuleAction
{
    /// <summary>Offer the device (to the peers the rule names).</summary>
    Share,

    /// <summary>Never offer the device, whatever other rules say.</summary>
    Deny,
}

/// <summary>One export rule (HOCON <c>usbmesh.exports.rules[i]</c>).</summary>
/// <param name="Action">Share or deny.</param>
/// <param name="Match">The devices it names.</param>
/// <param name="ShareWith">Peer names, or <c>*</c> for every trusted peer (share rules only).</param>
/// <param name="Origin">Where the rule was written (file:line), for log lines that say why.</param>
public sealed record ExportRule(ExportRuleAction Action, DeviceMatch Match, IReadOnlyList<string> ShareWith, string Origin);

/// <summary>The policy's verdict on one device.</summary>
/// <param name="Exported">Whether the device is offered.</param>
/// <param name="Reason">Why, in words for a log line or a table.</param>
/// <param name="ShareWith">With whom (empty when not exported).</param>
public sealed record ExportDecision(bool Exported, string Reason, IReadOnlyList<string> ShareWith);

/// <summary>
/// Which local devices the node offers. Nothing is offered unless a share rule matches; a matching deny rule wins
/// over every share rule; and a device the node itself depends on (its protected bus ids: the disk it boots or keeps
/// its state on, the adapter its network runs over, or ones named in the configuration) is never offered, whatever
/// the rules say — sharing it would take it away from the node in the middle of its own work.
/// </summary>
public sealed class ExportPolicy
{
    /// <summary>A policy with the given rules and protected devices.</summary>
    /// <param name="rules">Share and deny rules, in configuration order.</param>
    /// <param name="protectedBusIds">Bus ids never exported, each with the reason it is protected.</param>
    public ExportPolicy(IReadOnlyList<ExportRule> rules, IReadOnlyDictionary<string, string> protectedBusIds)
    {
        Rules = rules ?? throw new ArgumentNullException(nameof(rules));
        ProtectedBusIds = protectedBusIds ?? throw new ArgumentNullException(nameof(protectedBusIds));
    }

    /// <summary>The rules.</summary>
    public IReadOnlyList<ExportRule> Rules { get; }

    /// <summary>Devices never exported, by bus id, with why.</summary>
    public IReadOnlyDictionary<string, string> ProtectedBusIds { get; }

    /// <summary>Decides whether <paramref name="device"/> is offered.</summary>
    /// <param name="device">The device.</param>
    public ExportDecision Decide(UsbDeviceFacts device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (ProtectedBusIds.TryGetValue(device.BusId, out var why))
        {
            return new ExportDecision(false, $"protected: {why}", []);
        }

        var deny = Rules.FirstOrDefault(r => r.Action == ExportRuleAction.Deny && r.Match.Matches(device));
        if (deny is not null)
        {
            return new ExportDecision(false, $"denied by the rule at {deny.Origin} ({deny.Match})", []);
        }

        var shares = Rules.Where(r => r.Action == ExportRuleAction.Share && r.Match.Matches(device)).ToList();
        if (shares.Count == 0)
        {
            return new ExportDecision(false, "no export rule matches it", []);
        }

        var peers = shares.SelectMany(r => r.ShareWith).Distinct(StringComparer.Ordinal).ToList();
        return new ExportDecision(true, $"shared by the rule at {shares[0].Origin} ({shares[0].Match})", peers);
    }
}
