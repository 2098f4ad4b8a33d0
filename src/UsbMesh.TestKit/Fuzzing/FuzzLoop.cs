using System.Diagnostics;

namespace UsbMesh.TestKit.Fuzzing;

/// <summary>
/// Runs a mutation fuzzer: each input is generated from its own input seed (drawn from the run seed), so a failure
/// is replayed from one number. The inputs run on a dedicated thread that a watchdog observes, so an input that does
/// not finish within the per-input limit is reported as a hang instead of blocking the test run.
/// </summary>
public static class FuzzLoop
{
    private const int MaxFailures = 10;

    /// <summary>
    /// Generates and checks inputs until the budget in <paramref name="settings"/> is spent; <paramref name="check"/>
    /// throws to report a violated property. Returns the summary; throws (with every failure, its input and its
    /// replay value) if any input failed or hung.
    /// </summary>
    public static string Run<T>(
        string name,
        FuzzSettings settings,
        Func<Random, T> generate,
        Action<T> check,
        Func<T, string> describe,
        Action<string> log,
        TimeSpan? inputTimeout = null)
    {
        var timeout = inputTimeout ?? TimeSpan.FromSeconds(2);
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        long inputs = 0;
        long inputStarted = 0;
        var currentSeed = 0;
        var running = true;
        var current = default(T);

        var worker = new Thread(() =>
        {
            var random = new Random(settings.Seed);
            while (Volatile.Read(ref running) && (settings.Replay is not null
                ? inputs == 0
                : clock.Elapsed.TotalSeconds < settings.Seconds && (settings.MaxInputs is null || inputs < settings.MaxInputs)))
            {
                var inputSeed = settings.Replay ?? random.Next();
                var input = generate(new Random(inputSeed));
                lock (failures)
                {
                    currentSeed = inputSeed;
                    current = input;
                }

                Volatile.Write(ref inputStarted, clock.ElapsedTicks);
                try
                {
                    check(input);
                }
                catch (Exception e)
                {
                    lock (failures)
                    {
                        failures.Add(Failure(name, settings, inputs + 1, inputSeed, describe(input), e.ToString()));
                        if (failures.Count >= MaxFailures)
                        {
                            break;
                        }
                    }
                }
                finally
                {
                    Volatile.Write(ref inputStarted, 0);
                }

                Interlocked.Increment(ref inputs);
            }
        })
        { IsBackground = true, Name = $"fuzz {name}" };
        worker.Start();

        var hung = false;
        while (!worker.Join(TimeSpan.FromMilliseconds(100)))
        {
            var started = Volatile.Read(ref inputStarted);
            if (started != 0 && Stopwatch.GetElapsedTime(started, clock.ElapsedTicks) > timeout)
            {
                // The hung input keeps its (background) thread; stop rather than measure anything after it.
                lock (failures)
                {
                    failures.Add(Failure(name, settings, Interlocked.Read(ref inputs) + 1, currentSeed, describe(current!),
                        $"no result after {timeout.TotalSeconds} s (hang)"));
                }

                Volatile.Write(ref running, false);
                hung = true;
                break;
            }
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        var summary = $"fuzz {name}: seed {settings.Seed}, {Interlocked.Read(ref inputs)} inputs in {elapsed:F1} s" +
            $" ({Interlocked.Read(ref inputs) / Math.Max(elapsed, 0.001):F0}/s), {failures.Count} failures{(hung ? " (stopped at a hang)" : "")}";
        log(summary);
        lock (failures)
        {
            foreach (var failure in failures)
            {
                log(failure);
            }

            if (failures.Count > 0)
            {
                throw new FuzzFailureException(summary + "\n" + string.Join("\n", failures));
            }
        }

        return summary;
    }

    private static string Failure(string name, FuzzSettings settings, long input, int inputSeed, string described, string problem) =>
        $"#{name} input {input} (seed {settings.Seed}; replay with USBMESH_FUZZ_REPLAY={inputSeed}):\n  {problem}\n" +
        $"----- input -----\n{described}\n-----------------";
}

/// <summary>A fuzz run found inputs that violate the fuzzed component's contract.</summary>
public sealed class FuzzFailureException(string message) : Exception(message);
