using System.Globalization;
using UsbMesh.Configuration.Parsing;

namespace UsbMesh.Configuration.Conversion;

/// <summary>
/// The spec's units format: a number (JSON syntax, so not <c>+5</c> or <c>.5</c>), optional whitespace and an optional
/// unit of letters. A bare number is in the family's default unit (milliseconds, bytes). Arithmetic is in decimal, so
/// 4878955355435272204ns stays exact.
/// </summary>
internal static class Units
{
    private static readonly Dictionary<string, decimal> TicksPerDurationUnit = BuildTable(
        (0.01m, ["ns", "nano", "nanos", "nanosecond", "nanoseconds"]),
        (TimeSpan.TicksPerMicrosecond, ["us", "micro", "micros", "microsecond", "microseconds"]),
        (TimeSpan.TicksPerMillisecond, ["", "ms", "milli", "millis", "millisecond", "milliseconds"]),
        (TimeSpan.TicksPerSecond, ["s", "second", "seconds"]),
        (TimeSpan.TicksPerMinute, ["m", "minute", "minutes"]),
        (TimeSpan.TicksPerHour, ["h", "hour", "hours"]),
        (TimeSpan.TicksPerDay, ["d", "day", "days"]));

    private static readonly Dictionary<string, decimal> BytesPerSizeUnit = BuildSizeTable();

    /// <summary>Parses a duration; <c>infinite</c> is <see cref="Timeout.InfiniteTimeSpan"/>, as in Akka.NET.</summary>
    public static bool TryParseDuration(string text, out TimeSpan value, out string error)
    {
        value = default;
        if (text.Trim() == "infinite")
        {
            value = Timeout.InfiniteTimeSpan;
            error = "";
            return true;
        }

        if (!TryScale(text, TicksPerDurationUnit, "ns, us, ms, s, m, h or d (or their long forms)", out var ticks, out error))
        {
            return false;
        }

        value = TimeSpan.FromTicks(ticks);
        return true;
    }

    public static bool TryParseByteSize(string text, out long value, out string error) =>
        TryScale(text, BytesPerSizeUnit, "B, kB, KiB, K, MB, MiB, M, GB, GiB, G, TB, TiB, T (or their long forms)", out value, out error);

    private static bool TryScale(string text, Dictionary<string, decimal> units, string unitNames, out long value, out string error)
    {
        value = 0;
        var trimmed = text.Trim();
        var unitStart = trimmed.Length;
        while (unitStart > 0 && char.IsLetter(trimmed[unitStart - 1]))
        {
            unitStart--;
        }

        var unit = trimmed[unitStart..];
        var number = trimmed[..unitStart].TrimEnd();
        if (!units.TryGetValue(unit, out var factor))
        {
            error = $"'{unit}' is not a unit (expected {unitNames})";
            return false;
        }

        if (!Tokenizer.IsNumber(number))
        {
            error = $"'{number}' is not a number";
            return false;
        }

        if (!decimal.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
        {
            error = "it is out of range";
            return false;
        }

        try
        {
            var scaled = decimal.Truncate(amount * factor);
            if (scaled is < long.MinValue or > long.MaxValue)
            {
                throw new OverflowException();
            }

            value = (long)scaled;
        }
        catch (OverflowException)
        {
            error = "it is out of range";
            return false;
        }

        error = "";
        return true;
    }

    private static Dictionary<string, decimal> BuildTable(params (decimal Factor, string[] Names)[] units)
    {
        var table = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (factor, names) in units)
        {
            foreach (var name in names)
            {
                table.Add(name, factor);
            }
        }

        return table;
    }

    // Powers of ten are kB, MB… (and kilobyte…); powers of two are KiB, MiB… (and kibibyte…, Ki…) and also the
    // single letters K, M… in either case, as java -Xmx and GNU tools read them.
    private static Dictionary<string, decimal> BuildSizeTable()
    {
        string[] decimalNames = ["kilo", "mega", "giga", "tera", "peta", "exa", "zetta", "yotta"];
        string[] binaryNames = ["kibi", "mebi", "gibi", "tebi", "pebi", "exbi", "zebi", "yobi"];
        const string Letters = "KMGTPEZY";
        var units = new List<(decimal, string[])> { (1m, ["", "B", "b", "byte", "bytes"]) };
        decimal powerOfTen = 1m;
        decimal powerOfTwo = 1m;
        for (var i = 0; i < Letters.Length; i++)
        {
            powerOfTen *= 1000m;
            powerOfTwo *= 1024m;
            var letter = Letters[i].ToString();
            var lower = letter.ToLowerInvariant();
            units.Add((powerOfTen, [(i == 0 ? "k" : letter) + "B", decimalNames[i] + "byte", decimalNames[i] + "bytes"]));
            units.Add((powerOfTwo, [letter, lower, letter + "i", letter + "iB", binaryNames[i] + "byte", binaryNames[i] + "bytes"]));
        }

        return BuildTable([.. units]);
    }
}
