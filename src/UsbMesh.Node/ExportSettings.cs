using UsbMesh.Configuration;
using UsbMesh.Gadgets.Backends;
using UsbMesh.Usbipd;

namespace UsbMesh.Node;

/// <summary>What the node offers: its emulated devices (<c>usbmesh.gadgets</c>) and the usbipd-compatible
/// endpoint that serves exported devices to stock USB/IP clients (<c>usbmesh.usbipd</c>).</summary>
public sealed record ExportSettings(IReadOnlyList<GadgetSettings> Gadgets, UsbipdSettings Usbipd)
{
    public const string GadgetsPath = "usbmesh.gadgets";
    public const string UsbipdPath = "usbmesh.usbipd";

    /// <summary>The most connections or pending URBs that may be configured; beyond it a typo is more likely than intent.</summary>
    private const int MaxCount = 65536;

    /// <summary>The longest usbipd timeout that may be configured.</summary>
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);

    internal static ExportSettings Read(SettingsReader reader, string stateDirectory) =>
        new(ReadGadgets(reader.Config, stateDirectory), ReadUsbipd(reader));

    private static List<GadgetSettings> ReadGadgets(Config config, string stateDirectory)
    {
        var gadgets = new List<GadgetSettings>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var gadget in config.GetConfigList(GadgetsPath))
        {
            var path = $"{GadgetsPath}[{index++}]";
            var name = gadget.GetString("name");
            if (!names.Add(name))
            {
                throw new ConfigurationException($"{path}: a second gadget is named [{name}]; names must differ", gadget.GetOrigin("name"), path);
            }

            var image = gadget.GetString("image", "");
            var tcpEndpoint = gadget.GetString("tcp-endpoint", "");
            try
            {
                gadgets.Add(GadgetFactory.CreateSettings(
                    gadget.GetString("type"),
                    name,
                    image.Length == 0 ? null : Path.GetFullPath(image, stateDirectory),
                    gadget.HasPath("size") ? gadget.GetByteSize("size") : null,
                    gadget.GetBoolean("read-only", false),
                    gadget.GetString("serial-mode", "echo"),
                    tcpEndpoint.Length == 0 ? null : tcpEndpoint) with { ShareWith = gadget.GetStringList("share-with", ["*"]) });
            }
            catch (ArgumentException e) when (e.ParamName == "tcpEndpoint")
            {
                throw new ConfigurationException($"{path}.tcp-endpoint: {e.Message}", gadget.GetOrigin("tcp-endpoint"), $"{path}.tcp-endpoint");
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException($"{path}: {e.Message}", gadget.GetOrigin("type"), path);
            }
        }

        return gadgets;
    }

    private static UsbipdSettings ReadUsbipd(SettingsReader reader)
    {
        var endpointPath = $"{UsbipdPath}.endpoint";
        var endpoint = reader.String(endpointPath);
        var admission = AdmissionSettings.Read(reader, UsbipdPath, "op-idle-timeout");
        return new UsbipdSettings
        {
            Enabled = reader.Boolean($"{UsbipdPath}.enabled"),
            // Port 0 picks a free port (for tests); the bound port is logged.
            Endpoint = EndpointText.TryParse(endpoint, out var parsed)
                ? parsed
                : throw reader.Invalid(endpointPath, $"[{endpoint}] is not an address and port such as 127.0.0.1:3240 or [::1]:3240"),
            MaxConnections = admission.Limits.MaxConnections,
            AcceptRate = admission.Limits.AcceptRate,
            AcceptBurst = admission.Limits.AcceptBurst,
            OpIdleTimeout = admission.HandshakeTimeout,
            RefusalsInterval = admission.ReportInterval,
            MaxPendingUrbs = reader.Int($"{UsbipdPath}.max-pending-urbs", minimum: 1, maximum: MaxCount),
            DeviceRequestTimeout = reader.PositiveDuration($"{UsbipdPath}.device-request-timeout", MaxTimeout),
            ImportTimeout = reader.PositiveDuration($"{UsbipdPath}.import-timeout", MaxTimeout),
            CloseTimeout = reader.PositiveDuration($"{UsbipdPath}.close-timeout", MaxTimeout),
            Dispatcher = reader.String($"{UsbipdPath}.dispatcher"),
        };
    }
}
