using UsbMesh.Configuration;
using UsbMesh.Devices;
using UsbMesh.UsbHost;

namespace UsbMesh.Node;

/// <summary>Reads <c>usbmesh.usb-host</c> and the export policy of <c>usbmesh.exports</c>.</summary>
internal static class UsbHostSettingsReader
{
    public const string UsbHostPath = "usbmesh.usb-host";
    public const string RulesPath = "usbmesh.exports.rules";
    public const string DeviceDispatcherPath = "usbmesh.devices.dispatcher";

    private static readonly string[] MatchKeys = ["vid-pid", "bus-id", "serial", "class", "name"];
    private static readonly string[] RuleKeys = ["match", "share-with", "action"];

    public static UsbHostSettings Read(SettingsReader reader, Func<IReadOnlyDictionary<string, string>> findOwnDevices)
    {
        var protectedBusIds = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var busId in reader.Config.GetStringList("usbmesh.exports.protect"))
        {
            protectedBusIds[busId] = "listed in usbmesh.exports.protect";
        }

        if (reader.Boolean("usbmesh.exports.protect-own-devices"))
        {
            foreach (var (busId, why) in findOwnDevices())
            {
                protectedBusIds.TryAdd(busId, why);
            }
        }

        return new UsbHostSettings
        {
            Enabled = reader.Boolean($"{UsbHostPath}.enabled"),
            Dispatcher = reader.String($"{UsbHostPath}.dispatcher"),
            PollInterval = reader.PositiveDuration($"{UsbHostPath}.poll-interval", TimeSpan.FromSeconds(1)),
            RescanInterval = reader.PositiveDuration($"{UsbHostPath}.rescan-interval"),
            Policy = new ExportPolicy(ReadRules(reader), protectedBusIds),
            ShareOnPlugIn = reader.Boolean("usbmesh.exports.share-on-plug-in"),
            DetachKernelDrivers = reader.Boolean("usbmesh.exports.detach-kernel-driver"),
            Devices = new UsbDeviceSettings(Dispatcher: reader.String(DeviceDispatcherPath)),
        };
    }

    private static List<ExportRule> ReadRules(SettingsReader reader)
    {
        var rules = new List<ExportRule>();
        var index = 0;
        foreach (var rule in reader.Config.GetConfigList(RulesPath))
        {
            var path = $"{RulesPath}[{index++}]";
            var ruleReader = new SettingsReader(rule);
            var origin = rule.GetOrigin("match") ?? rule.GetOrigin(rule.Keys.FirstOrDefault() ?? "match");
            SettingsReader.RequireKnownKeys(rule, path, "rule", RuleKeys);

            var action = ruleReader.Has("action")
                ? ruleReader.OneOf("action", [("share", ExportRuleAction.Share), ("deny", ExportRuleAction.Deny)])
                : ExportRuleAction.Share;
            var shareWith = rule.GetStringList("share-with", action == ExportRuleAction.Share ? ["*"] : []);
            rules.Add(new ExportRule(action, ReadMatch(rule.GetConfig("match"), $"{path}.match"), shareWith, origin?.ToString() ?? path));
        }

        return rules;
    }

    /// <summary>A rule's <c>match { }</c>: every field given must hold; errors name the field and where it was set.</summary>
    internal static DeviceMatch ReadMatch(Config match, string path)
    {
        var result = DeviceMatch.Any;
        foreach (var key in match.Keys)
        {
            var value = match.GetString(key);
            var problem = (string?)null;
            switch (key)
            {
                case "vid-pid" when DeviceMatch.TryParseVidPid(value, out var vendorId, out var productId):
                    result = result with { VendorId = vendorId, ProductId = productId };
                    break;
                case "vid-pid":
                    problem = $"[{value}] is not a vendor:product pair such as \"0781:5567\" or \"0781:*\"";
                    break;
                case "bus-id" when value.Length > 0:
                    result = result with { BusId = value };
                    break;
                case "bus-id":
                    problem = "expected a bus id such as \"1-1.2\", or \"1-1.*\" for the devices behind a hub port";
                    break;
                case "serial":
                    result = result with { Serial = value };
                    break;
                case "name":
                    result = result with { Name = value };
                    break;
                case "class" when UsbClassNames.TryParse(value, out var code):
                    result = result with { Class = code };
                    break;
                case "class":
                    problem = $"[{value}] is not a class code such as 0x08 or one of {string.Join(", ", UsbClassNames.Names)}";
                    break;
                default:
                    problem = $"unknown match field; a match has {string.Join(", ", MatchKeys)}";
                    break;
            }

            if (problem is not null)
            {
                throw new ConfigurationException($"{path}.{key}: {problem}", match.GetOrigin(key), $"{path}.{key}");
            }
        }

        return result;
    }
}
