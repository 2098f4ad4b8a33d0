namespace UsbMesh.Metrics;

/// <summary>
/// Names in the Prometheus text format: metric names match <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>, label names
/// <c>[a-zA-Z_][a-zA-Z0-9_]*</c>. Instrument names in the OpenTelemetry style (<c>usbmesh.urb.duration</c>, unit
/// <c>s</c>) become <c>usbmesh_urb_duration_seconds</c>; counters end in <c>_total</c>.
/// </summary>
internal static class PrometheusNames
{
    /// <summary>The family name of an instrument: its name made valid, its unit as a suffix, <c>_total</c> for counters.</summary>
    public static string Metric(string instrument, string? unit, bool isCounter)
    {
        var name = Valid(instrument, allowColon: true);
        if (isCounter && name.EndsWith("_total", StringComparison.Ordinal))
        {
            name = name[..^"_total".Length];
        }

        if (UnitSuffix(unit) is { } suffix && !name.EndsWith($"_{suffix}", StringComparison.Ordinal))
        {
            name = $"{name}_{suffix}";
        }

        return isCounter ? $"{name}_total" : name;
    }

    /// <summary>A tag's key as a label name.</summary>
    public static string Label(string key) => Valid(key, allowColon: false);

    /// <summary>Whether <paramref name="key"/> becomes <paramref name="label"/>, compared without allocating.</summary>
    public static bool IsLabelOf(string key, string label)
    {
        var offset = NeedsPrefix(key) ? 1 : 0;
        if (key.Length + offset != label.Length || (offset == 1 && label[0] != '_'))
        {
            return false;
        }

        for (var i = 0; i < key.Length; i++)
        {
            if (LabelChar(key[i]) != label[i + offset])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The hash of <see cref="Label"/>(<paramref name="key"/>), computed without allocating.</summary>
    public static int LabelHash(string key)
    {
        var hash = new HashCode();
        if (NeedsPrefix(key))
        {
            hash.Add('_');
        }

        foreach (var c in key)
        {
            hash.Add(LabelChar(c));
        }

        return hash.ToHashCode();
    }

    /// <summary>The suffix a unit gives a name (UCUM codes as OpenTelemetry uses them); null for none.</summary>
    private static string? UnitSuffix(string? unit) => unit switch
    {
        null or "" or "1" => null,
        ['{', .., '}'] => null,
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "By/s" => "bytes_per_second",
        _ => Valid(unit, allowColon: false).Trim('_') is { Length: > 0 } valid ? valid : null,
    };

    private static string Valid(string name, bool allowColon)
    {
        if (name.Length == 0)
        {
            return "_";
        }

        var chars = new char[name.Length + (NeedsPrefix(name) ? 1 : 0)];
        var offset = chars.Length - name.Length;
        if (offset == 1)
        {
            chars[0] = '_';
        }

        for (var i = 0; i < name.Length; i++)
        {
            chars[i + offset] = allowColon && name[i] == ':' ? ':' : LabelChar(name[i]);
        }

        return new string(chars);
    }

    private static bool NeedsPrefix(string name) => name.Length == 0 || char.IsAsciiDigit(name[0]);

    private static char LabelChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_';
}
