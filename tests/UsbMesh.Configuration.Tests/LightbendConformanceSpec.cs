namespace UsbMesh.Configuration.Tests;

/// <summary>
/// The reference implementation's own test data (conformance/lightbend, see its README): every equivNN file must
/// resolve to the same value as equivNN/original.json, and the testNN.conf files must parse and resolve.
/// </summary>
public sealed class LightbendConformanceSpec
{
    private static readonly string DataDirectory = Path.Combine(AppContext.BaseDirectory, "conformance", "lightbend");

    public static TheoryData<string> EquivalentFiles()
    {
        var data = new TheoryData<string>();
        foreach (var directory in Directory.GetDirectories(DataDirectory, "equiv*").Order(StringComparer.Ordinal))
        {
            foreach (var file in Directory.GetFiles(directory).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                if (name != "original.json" && Path.GetExtension(name) is ".conf" or ".json")
                {
                    data.Add(Path.GetRelativePath(DataDirectory, file));
                }
            }
        }

        return data;
    }

    // testNN.conf only: test03-included.conf is test03's helper and refers to a value only test03 defines.
    public static TheoryData<string> TestFiles() =>
        [.. Directory.GetFiles(DataDirectory, "test*.conf").Select(file => Path.GetFileName(file))
            .Where(name => System.Text.RegularExpressions.Regex.IsMatch(name, @"^test\d\d\.conf$")).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(EquivalentFiles))]
    public void Equivalent_file_resolves_to_the_original_json(string file)
    {
        var path = Path.Combine(DataDirectory, file);
        var original = File.ReadAllText(Path.Combine(Path.GetDirectoryName(path)!, "original.json"));

        var config = ConfigurationFactory.FromFile(path);

        JsonAssert.Equal(original, Json(config));
    }

    [Theory]
    [MemberData(nameof(TestFiles))]
    public void Reference_test_file_parses_and_resolves(string file)
    {
        var config = ConfigurationFactory.FromFile(Path.Combine(DataDirectory, file)).Resolve();

        Assert.NotNull(config.ToJson());
    }

    [Fact]
    // The reference implementation also reads "+4878955355435272204ns" and ".33" as numbers (Java's number parsing);
    // this library follows the spec's JSON number syntax for numbers written as strings, so those two are not.
    public void Test01_reads_durations_sizes_and_optional_environment_values()
    {
        var config = Load("test01.conf");

        Assert.Equal(TimeSpan.FromSeconds(1), config.GetTimeSpan("durations.second"));
        Assert.Equal(TimeSpan.FromSeconds(1), config.GetTimeSpan("durations.secondAsNumber"));
        Assert.Equal(TimeSpan.FromMilliseconds(500), config.GetTimeSpan("durations.halfSecond"));
        Assert.Equal(TimeSpan.FromMilliseconds(1), config.GetTimeSpan("durations.millis"));
        Assert.Equal(TimeSpan.FromMilliseconds(2), config.GetTimeSpan("durations.micros"));
        Assert.Equal(TimeSpan.FromTicks(48789553554352722), config.GetTimeSpan("durations.largeNanos"));
        Assert.Equal(TimeSpan.FromTicks(-48789553554352722), config.GetTimeSpan("durations.minusLargeNanos"));
        Assert.Equal(TimeSpan.FromDays(1), config.GetTimeSpan("periods.day"));
        Assert.Equal(1024 * 1024, config.GetByteSize("memsizes.meg"));
        Assert.Equal(512 * 1024, config.GetByteSize("memsizes.halfMeg"));
        Assert.Equal(["1", "2", "3"], config.GetStringList("arrays.ofInt"));
        Assert.Equal("null bar 42 baz true 3.14 hi", config.GetString("strings.concatenated"));
        Assert.Equal(".33", config.GetString("floats.pointThirtyThreeAgain"));
        Assert.False(config.HasPath("system.not_here"));
        Assert.False(config.HasPath("system.javaversion"));
        Assert.StartsWith("Your Java version is  and your user.home is ", config.GetString("system.concatenated"), StringComparison.Ordinal);
    }

    [Fact]
    public void Test01_rejects_sizes_beyond_64_bits_with_the_path()
    {
        var config = Load("test01.conf");

        var error = Assert.Throws<ConfigurationException>(() => config.GetByteSize("memsizes.yottabyte"));

        Assert.Contains("memsizes.yottabyte", error.Message, StringComparison.Ordinal);
        Assert.Contains("out of range", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Test02_reads_empty_and_quoted_path_elements()
    {
        var config = Load("test02.conf");

        Assert.Equal(42, config.GetInt("42_a"));
        Assert.Equal(42, config.GetInt("42_b"));
        Assert.Equal(57, config.GetInt("57_a"));
        Assert.Equal(57, config.GetInt("57_b"));
        Assert.Equal(103, config.GetInt("103_a"));
        Assert.Equal(261, config.GetInt("\"-\""));
    }

    [Fact]
    public void Test03_fixes_up_substitutions_of_included_files_and_falls_back_to_the_root()
    {
        var config = Load("test03.conf");

        Assert.Equal("This is in the included file", config.GetString("a"));
        Assert.Equal("This is in the including file", config.GetString("b"));
        Assert.Equal("This is in the included file", config.GetString("subtree.a"));
        Assert.Equal("This is in the including file", config.GetString("subtree.b"));
        Assert.Equal(42, config.GetInt("test01.booleans"));
        Assert.Equal(42, config.GetInt("test01.ints.fortyTwo"));
        Assert.Equal(1, config.GetInt("test01.fromJson1"));
        Assert.Equal("abc", config.GetString("test01.fromProps.abc"));
        Assert.Equal(57, config.GetInt("test02.57_a"));
        Assert.Equal(42.1, config.GetDouble("equiv01.floats.fortyTwoPointOne"));
        Assert.Empty(config.GetConfig("nonexistent").Keys);
    }

    [Fact]
    public void Test06_and_test09_merge_substitutions_with_objects_in_definition_order()
    {
        var test06 = Load("test06.conf");
        var test09 = Load("test09.conf");

        JsonAssert.Equal("""{ "a": 1, "b": 2, "c": 3, "d": { "foo": "bar" }, "x": 2, "y": { "hello": "world", "foo": 10 } }""", Json(test06));
        JsonAssert.Equal("""{ "c": 3, "q": 10 }""", Json(test09.GetConfig("a")));
        Assert.Equal(5, test09.GetInt("b"));
        JsonAssert.Equal("""{ "d": 600, "e": { "c": 3, "q": 10 }, "f": 5, "q": 10 }""", Json(test09.GetConfig("c")));
    }

    [Fact]
    public void Test04_reads_an_akka_reference_file()
    {
        var config = Load("test04.conf");

        Assert.Equal("2.0-SNAPSHOT", config.GetString("akka.version"));
        Assert.True(config.GetBoolean("akka.event-handler-dispatcher.allow-core-timeout"));
        Assert.Equal(9223372036854775807, config.GetLong("akka.actor.mailbox.file-based.max-journal-size-absolute"));
        Assert.Equal(["wallace:2552", "gromit:2552"], config.GetStringList("akka.actor.deployment.\"/app/service-ping\".remote.nodes"));
    }

    [Fact]
    public void Test05_reads_a_play_style_properties_like_file()
    {
        var config = Load("test05.conf");

        Assert.Equal("Yet Another Blog Engine", config.GetString("application.name"));
        Assert.Equal("prod", config.GetString("%prod.application.mode"));
        Assert.Equal("/modules/crud", config.GetString("module.crud"));
    }

    private static string Json(Config config) => config.ToJson()!.ToJsonString();

    private static Config Load(string file) => ConfigurationFactory.FromFile(Path.Combine(DataDirectory, file));
}
