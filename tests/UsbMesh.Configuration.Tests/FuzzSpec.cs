using System.Diagnostics;
using System.Globalization;
using System.Text;
using UsbMesh.TestKit.Fuzzing;
using Xunit.Abstractions;

namespace UsbMesh.Configuration.Tests;

/// <summary>
/// Mutation fuzzing: random edits of the valid corpus files (and of the files under <c>conformance/</c>), each
/// parsed and resolved with a time limit. Every mutant must either resolve (and then render as JSON and as HOCON) or
/// fail with a <see cref="ConfigurationException"/> that has a position; any other exception, an error without a
/// position, a failed rendering or a parse that does not finish within <see cref="InputTimeout"/> fails the test
/// and prints the input.
/// </summary>
/// <remarks>
/// Environment: <c>USBMESH_FUZZ_SECONDS</c> (time budget, default 10), <c>USBMESH_FUZZ_INPUTS</c> (optional count
/// limit), <c>USBMESH_FUZZ_SEED</c> (default fixed, so runs are deterministic up to the time budget) and
/// <c>USBMESH_FUZZ_REPLAY</c> (runs only the input with that input seed, as printed by a failure).
/// </remarks>
public sealed class FuzzSpec(ITestOutputHelper output)
{
    private const int DefaultSeed = 20251121;
    private const double DefaultSeconds = 10;
    private const int MaxFailures = 20;
    private const string InputName = "_fuzz-input.conf";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>A mutant that takes longer than this to parse and resolve is a hang.</summary>
    private static readonly TimeSpan InputTimeout = TimeSpan.FromSeconds(2);

    /// <summary>HOCON-significant text the mutations insert.</summary>
    private static readonly string[] Tokens =
    [
        "{", "}", "[", "]", "${", "${?", "}", "\"", "\"\"\"", "=", ":", ",", "+", "+=", "include ", "\n", "#", "//",
        ".", "..", "?", "$", "\\", "\\u", "\t", "\r\n", " ", "\"x\"", "1", "-1", "1.5e3", "0.", "true", "null",
        "[]", "{}", "${a}", "${?a}", "${a.b}", "${x}${x}", "a.b.c = ", "a = ${a}", "a += ", "include \"x.conf\"",
        "include file(\"_files/simple.conf\")", "include required(file(\"missing.conf\"))", "include required(",
        "file(", "classpath(\"x\")", "url(\"x\")", ")", "\ufeff", "\u00a0", "\u2028", "\"\"\"\"", "\"\\u00e9\"",
        "${USBMESH_CORPUS_VAR}", "${?USBMESH_CORPUS_UNSET}",
    ];

    /// <summary>Single characters the mutations insert or substitute.</summary>
    private static readonly char[] Characters =
    [
        '{', '}', '[', ']', '$', '"', ':', '=', ',', '+', '#', '`', '^', '?', '!', '@', '*', '&', '\\', '/', '.',
        '-', '0', '9', 'e', 'a', ' ', '\t', '\n', '\r', '\0', '\u000b', '\u001f', '\u00a0', '\u2028', '\ufeff',
        '\ufffd', '\u00e9',
    ];

    [Fact]
    public async Task Mutated_inputs_resolve_or_fail_with_a_positioned_error()
    {
        CorpusFiles.PrepareEnvironment();
        var settings = FuzzSettings.FromEnvironment(DefaultSeed, DefaultSeconds);
        var scratch = Path.Combine(Path.GetTempPath(), $"usbmesh-fuzz-{Guid.NewGuid():N}");
        try
        {
            await Run(settings.Seed, settings.Seconds, settings.MaxInputs, settings.Replay, scratch);
        }
        finally
        {
            try
            {
                Directory.Delete(scratch, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A hung parse may still hold a file open.
            }
        }
    }

    private async Task Run(int seed, double seconds, long? maxInputs, int? replay, string scratch)
    {
        var sources = Sources(scratch);
        Assert.NotEmpty(sources);

        // Warm up (JIT, first file reads) on the unmodified sources, without the per-input limit.
        foreach (var source in sources)
        {
            try
            {
                await CorpusFiles.RunBounded(() => Parse(source.Text, source.Directory), TimeSpan.FromSeconds(30));
            }
            catch (Exception)
            {
                // The corpus spec checks the sources themselves.
            }
        }

        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        var inputs = 0;
        var errors = 0;
        while (replay is not null
            ? inputs == 0
            : clock.Elapsed.TotalSeconds < seconds && (maxInputs is null || inputs < maxInputs))
        {
            var inputSeed = replay ?? random.Next();
            var (source, text) = Mutant(sources, inputSeed);
            inputs++;
            if (replay is not null)
            {
                output.WriteLine($"replaying input seed {inputSeed}, mutated from {source.Name}:\n{CorpusFiles.Visible(text)}");
            }

            var (problem, hang, positionedError) = await Check(text, source.Directory);
            if (positionedError)
            {
                errors++;
            }

            if (problem is null)
            {
                continue;
            }

            failures.Add(
                $"#{failures.Count + 1}: input {inputs} (seed {seed}; replay with USBMESH_FUZZ_REPLAY={inputSeed}), " +
                $"mutated from {source.Name}:\n  {problem}\n----- input -----\n{CorpusFiles.Visible(text)}\n-----------------");
            if (hang || failures.Count >= MaxFailures)
            {
                // A hung parse keeps its thread busy; stop rather than measure everything after it on a loaded machine.
                break;
            }
        }

        var summary =
            $"fuzz: seed {seed}, {inputs} inputs from {sources.Count} sources in {clock.Elapsed.TotalSeconds:F1} s: " +
            $"{inputs - errors - failures.Count} resolved, {errors} positioned errors, {failures.Count} failures";
        output.WriteLine(summary);
        foreach (var failure in failures)
        {
            output.WriteLine(failure);
        }

        Assert.True(failures.Count == 0, summary + "\n" + string.Join("\n", failures));
    }

    private static async Task<(string? Problem, bool Hang, bool PositionedError)> Check(string text, string directory)
    {
        var file = Path.Combine(directory, InputName);
        try
        {
            await CorpusFiles.RunBounded(() => Parse(text, directory), InputTimeout);
            return (null, false, false);
        }
        catch (TimeoutException)
        {
            return ($"no result after {InputTimeout.TotalSeconds} s (hang)", true, false);
        }
        catch (RenderFailure e)
        {
            var inner = e.InnerException!;
            return ($"resolved, but rendering it threw {inner.GetType().FullName}: {inner.Message}\n{inner.StackTrace}", false, false);
        }
        catch (ConfigurationException e)
        {
            var position = CorpusFiles.Position(e);
            if (position is null)
            {
                return ($"ConfigurationException without a position: {e.Message}", false, false);
            }

            var lineAndColumn = position.Split(':').Select(n => long.Parse(n, CultureInfo.InvariantCulture)).ToArray();
            if (lineAndColumn[0] < 1 || lineAndColumn[1] < 1 ||
                (CorpusFiles.PositionFile(e) == file && lineAndColumn[0] > text.Length + 1))
            {
                return ($"ConfigurationException with an impossible position {position}: {e.Message}", false, false);
            }

            return (null, false, true);
        }
        catch (Exception e)
        {
            var stack = string.Join("\n", (e.StackTrace ?? "").Split('\n').Take(8));
            return ($"{e.GetType().FullName} instead of a ConfigurationException: {e.Message}\n{stack}", false, false);
        }
    }

    /// <summary>
    /// Writes the input next to its source (so its includes resolve), parses and resolves it, and renders the result
    /// as JSON and as HOCON with origins (what usbmeshd --print-config shows).
    /// </summary>
    private static string Parse(string text, string directory)
    {
        var file = Path.Combine(directory, InputName);
        File.WriteAllText(file, text, Utf8);
        var config = ConfigurationFactory.FromFile(file).Resolve();
        try
        {
            _ = CorpusFiles.Json(config);
            return config.Render(withOrigins: true);
        }
        catch (Exception e)
        {
            throw new RenderFailure(e);
        }
    }

    /// <summary>The mutant for one input seed: 1 to 4 stacked edits of one source.</summary>
    private static (Source Source, string Text) Mutant(IReadOnlyList<Source> sources, int inputSeed)
    {
        var random = new Random(inputSeed);
        var source = sources[random.Next(sources.Count)];
        var text = new StringBuilder(source.Text);
        var edits = 1 + random.Next(4);
        for (var i = 0; i < edits; i++)
        {
            if (random.Next(10) == 0)
            {
                // Splice in a span of another source.
                var donor = sources[random.Next(sources.Count)].Text;
                var start = random.Next(donor.Length + 1);
                text.Insert(random.Next(text.Length + 1), donor.AsSpan(start, Math.Min(1 + random.Next(64), donor.Length - start)));
            }
            else
            {
                Edit(text, random);
            }
        }

        return (source, text.ToString());
    }

    private static void Edit(StringBuilder text, Random random)
    {
        var length = text.Length;
        var at = random.Next(length + 1);
        var roll = random.Next(100);
        if (length == 0 && roll < 50)
        {
            roll += 50;
        }

        switch (roll)
        {
            case < 20: // delete a span
                text.Remove(at, Math.Min(1 + random.Next(8), length - at));
                break;
            case < 30: // replace one character
                if (at < length)
                {
                    text[at] = Characters[random.Next(Characters.Length)];
                }

                break;
            case < 40: // swap two spans
                Swap(text, random);
                break;
            case < 50: // duplicate a span
                var start = random.Next(length);
                var span = text.ToString(start, Math.Min(1 + random.Next(32), length - start));
                text.Insert(random.Next(length + 1), span);
                break;
            case < 75: // insert a token
                text.Insert(at, Tokens[random.Next(Tokens.Length)]);
                break;
            case < 85: // replace a span with a token
                text.Remove(at, Math.Min(1 + random.Next(4), length - at));
                text.Insert(at, Tokens[random.Next(Tokens.Length)]);
                break;
            case < 90: // insert one character
                text.Insert(at, Characters[random.Next(Characters.Length)]);
                break;
            case < 95: // repeat a token (nesting, long paths, long concatenations)
                var token = Tokens[random.Next(Tokens.Length)];
                text.Insert(at, string.Concat(Enumerable.Repeat(token, 2 + random.Next(40))));
                break;
            default: // truncate
                text.Length = at;
                break;
        }
    }

    private static void Swap(StringBuilder text, Random random)
    {
        var length = text.Length;
        if (length < 2)
        {
            return;
        }

        var first = random.Next(length - 1);
        var firstLength = 1 + random.Next(Math.Min(16, length - first - 1));
        var second = first + firstLength + random.Next(length - first - firstLength);
        var secondLength = Math.Min(1 + random.Next(16), length - second);
        if (secondLength <= 0)
        {
            return;
        }

        var a = text.ToString(first, firstLength);
        var b = text.ToString(second, secondLength);
        text.Remove(second, secondLength).Insert(second, a);
        text.Remove(first, firstLength).Insert(first, b);
    }

    /// <summary>
    /// The valid inputs: corpus cases with a .json, the included helper files, and the conformance/ files; copied
    /// to <paramref name="scratch"/>, where the mutants are written next to their source so that includes resolve.
    /// </summary>
    private static List<Source> Sources(string scratch)
    {
        var corpus = Path.Combine(scratch, "corpus");
        Copy(CorpusFiles.Directory, corpus);
        var files = Directory.EnumerateFiles(corpus, "*.*", SearchOption.AllDirectories)
            .Where(file => IsInput(file) &&
                (Path.GetRelativePath(corpus, file).Split(Path.DirectorySeparatorChar).Any(s => s.StartsWith('_')) ||
                 file.EndsWith(".conf", StringComparison.Ordinal) && File.Exists(Path.ChangeExtension(file, ".json"))))
            .ToList();

        var conformance = Path.Combine(AppContext.BaseDirectory, "conformance");
        if (Directory.Exists(conformance))
        {
            Copy(conformance, Path.Combine(scratch, "conformance"));
            files.AddRange(Directory.EnumerateFiles(Path.Combine(scratch, "conformance"), "*.*", SearchOption.AllDirectories).Where(IsInput));
        }

        return files
            .Select(file => (Name: Path.GetRelativePath(scratch, file).Replace(Path.DirectorySeparatorChar, '/'), File: file))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => new Source(f.Name, File.ReadAllText(f.File, Encoding.UTF8), Path.GetDirectoryName(f.File)!))
            .ToList();

        static bool IsInput(string file) =>
            file.EndsWith(".conf", StringComparison.Ordinal) || file.EndsWith(".json", StringComparison.Ordinal);
    }

    private static void Copy(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private sealed record Source(string Name, string Text, string Directory);

    /// <summary>ToJson or Render failed on a configuration that resolved: always a failure.</summary>
    private sealed class RenderFailure(Exception inner) : Exception("rendering failed", inner);
}
