namespace UsbMesh.Configuration.Tests;

/// <summary>Durations and sizes in bytes: every unit the spec lists, bare numbers, and values out of range.</summary>
public sealed class UnitSpec
{
    public static TheoryData<string, long> Durations() => new()
    {
        { "250", 250 * TimeSpan.TicksPerMillisecond },
        { "1.5", 15_000 },
        { "\"250\"", 250 * TimeSpan.TicksPerMillisecond },
        { "100ns", 1 }, { "100 nano", 1 }, { "100 nanos", 1 }, { "1000nanosecond", 10 }, { "1000 nanoseconds", 10 },
        { "5us", 50 }, { "5 micro", 50 }, { "5 micros", 50 }, { "5 microsecond", 50 }, { "5 microseconds", 50 },
        { "7ms", 70_000 }, { "7 milli", 70_000 }, { "7 millis", 70_000 }, { "7 millisecond", 70_000 }, { "7 milliseconds", 70_000 },
        { "3s", 3 * TimeSpan.TicksPerSecond }, { "3 second", 3 * TimeSpan.TicksPerSecond }, { "3 seconds", 3 * TimeSpan.TicksPerSecond },
        { "0.5s", TimeSpan.TicksPerSecond / 2 },
        { "2m", 2 * TimeSpan.TicksPerMinute }, { "2 minute", 2 * TimeSpan.TicksPerMinute }, { "2 minutes", 2 * TimeSpan.TicksPerMinute },
        { "4h", 4 * TimeSpan.TicksPerHour }, { "4 hour", 4 * TimeSpan.TicksPerHour }, { "4 hours", 4 * TimeSpan.TicksPerHour },
        { "1d", TimeSpan.TicksPerDay }, { "1 day", TimeSpan.TicksPerDay }, { "10 days", 10 * TimeSpan.TicksPerDay },
        { "-2s", -2 * TimeSpan.TicksPerSecond },
        { "\"  1 s  \"", TimeSpan.TicksPerSecond },
        { "infinite", Timeout.InfiniteTimeSpan.Ticks },
    };

    public static TheoryData<string, long> Sizes() => new()
    {
        { "512", 512 }, { "\"512\"", 512 },
        { "10B", 10 }, { "10b", 10 }, { "10 byte", 10 }, { "10 bytes", 10 },
        { "1kB", 1_000 }, { "1 kilobyte", 1_000 }, { "2 kilobytes", 2_000 },
        { "1K", 1_024 }, { "1k", 1_024 }, { "1Ki", 1_024 }, { "1KiB", 1_024 }, { "1 kibibyte", 1_024 }, { "2 kibibytes", 2_048 },
        { "1MB", 1_000_000 }, { "1 megabyte", 1_000_000 }, { "1M", 1 << 20 }, { "1m", 1 << 20 }, { "1Mi", 1 << 20 }, { "1MiB", 1 << 20 }, { "1 mebibyte", 1 << 20 },
        { "0.5M", 1 << 19 },
        { "1GB", 1_000_000_000 }, { "1 gigabyte", 1_000_000_000 }, { "1G", 1L << 30 }, { "1g", 1L << 30 }, { "1GiB", 1L << 30 }, { "1 gibibytes", 1L << 30 },
        { "1TB", 1_000_000_000_000 }, { "1 terabyte", 1_000_000_000_000 }, { "1T", 1L << 40 }, { "1TiB", 1L << 40 }, { "1 tebibyte", 1L << 40 },
        { "1PB", 1_000_000_000_000_000 }, { "1PiB", 1L << 50 }, { "1EB", 1_000_000_000_000_000_000 }, { "1EiB", 1L << 60 },
    };

    [Theory]
    [MemberData(nameof(Durations))]
    public void Durations_take_every_spec_unit_and_bare_numbers_are_milliseconds(string value, long ticks) =>
        Assert.Equal(ticks, Hocon.Parse($"v = {value}").GetTimeSpan("v").Ticks);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Sizes_take_powers_of_ten_and_of_two_and_bare_numbers_are_bytes(string value, long bytes) =>
        Assert.Equal(bytes, Hocon.Parse($"v = {value}").GetByteSize("v"));

    [Theory]
    [InlineData("5 fortnights", "'fortnights' is not a unit")]
    [InlineData("5S", "'S' is not a unit")]
    [InlineData("seconds", "'' is not a number")]
    [InlineData("true", "which is not a duration")]
    [InlineData("[1s]", "which is not a duration")]
    [InlineData("999999999999 days", "out of range")]
    [InlineData("1e30s", "out of range")]
    [InlineData("\"+5s\"", "'+5' is not a number")]
    [InlineData("\".5s\"", "'.5' is not a number")]
    [InlineData("\"1,5s\"", "'1,5' is not a number")]
    public void A_malformed_duration_is_an_error_at_the_value(string value, string detail)
    {
        var error = Assert.Throws<ConfigurationException>(() => Hocon.Parse($"\nv = {value}").GetTimeSpan("v"));

        Assert.StartsWith("test.conf:2:5: path 'v' has ", error.Message, StringComparison.Ordinal);
        Assert.Contains(detail, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1YB", "out of range")]
    [InlineData("10 ZiB", "out of range")]
    [InlineData("5 kb", "'kb' is not a unit")]
    [InlineData("5 KB", "'KB' is not a unit")]
    public void A_malformed_or_too_large_size_is_an_error_at_the_value(string value, string detail)
    {
        var error = Assert.Throws<ConfigurationException>(() => Hocon.Parse($"v = {value}").GetByteSize("v"));

        Assert.StartsWith("test.conf:1:5: path 'v' has ", error.Message, StringComparison.Ordinal);
        Assert.Contains(detail, error.Message, StringComparison.Ordinal);
    }
}
