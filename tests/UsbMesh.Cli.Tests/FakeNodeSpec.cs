using UsbMesh.Shell;

namespace UsbMesh.Cli.Tests;

/// <summary>What the client shows of frames a real node sends only now and then: progress, errors, a cancelled end.</summary>
public sealed class FakeNodeSpec
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Progress_to_a_pipe_is_a_few_plain_lines_and_the_first_and_last_report()
    {
        await using var node = new FakeNode(async (run, send, _) =>
        {
            for (var done = 0; done <= 100; done += 10)
            {
                await send(new ShellFrame.Progress(run.Id, "Copying", done, 100));
            }

            await send(new ShellFrame.Line(run.Id, "Copied."));
            await send(new ShellFrame.End(run.Id, 0));
        });

        var run = await ClientProcess.RunAsync(Bound, null, "--socket", node.SocketPath, "work", "copy");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["Copying: 0/100 (0%)", "Copying: done", "Copied."], run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_wait_of_unknown_length_to_a_pipe_is_its_label_then_done()
    {
        await using var node = new FakeNode(async (run, send, _) =>
        {
            await send(new ShellFrame.Progress(run.Id, "Attaching hub/1-1", 0, 0));
            await send(new ShellFrame.Progress(run.Id, "Attaching hub/1-1", 1, 1));
            await send(new ShellFrame.Line(run.Id, "Attached hub/1-1."));
            await send(new ShellFrame.End(run.Id, 0));
        });

        var run = await ClientProcess.RunAsync(Bound, null, "--socket", node.SocketPath, "work", "copy");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["Attaching hub/1-1...", "Attaching hub/1-1: done", "Attached hub/1-1."], run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task An_error_goes_to_standard_error_and_its_code_is_the_exit_code()
    {
        await using var node = new FakeNode(async (run, send, _) =>
        {
            await send(new ShellFrame.Error(run.Id, ShellErrors.NotFound, "No device 'hub/9-9'."));
            await send(new ShellFrame.End(run.Id, ShellErrors.ExitNotFound));
        });

        var run = await ClientProcess.RunAsync(Bound, null, "--socket", node.SocketPath, "--json", "work", "copy");

        Assert.True(run.ExitCode == ShellErrors.ExitNotFound, run.ToString());
        Assert.Equal("No device 'hub/9-9'.", run.Stderr.Trim());
        Assert.Equal("[]", run.Stdout.Trim());
    }

    [Fact]
    public async Task Ctrl_C_asks_the_node_to_stop_the_command_and_shows_its_output_to_the_end()
    {
        var cancelled = new TaskCompletionSource<ShellFrame?>();
        var working = new TaskCompletionSource();
        await using var node = new FakeNode(async (run, send, receive) =>
        {
            await send(new ShellFrame.Progress(run.Id, "Copying", 1, 100));
            working.SetResult();
            cancelled.SetResult(await receive().WaitAsync(Bound));
            await send(new ShellFrame.Line(run.Id, "Stopped at 1%."));
            await send(new ShellFrame.End(run.Id, ShellErrors.ExitCancelled));
        });
        var output = new StringWriter();
        var errors = new StringWriter();
        var (opened, _) = await ClientSession.OpenAsync(new ClientOptions(Socket: node.SocketPath), Terminal.Plain(output, errors), CancellationToken.None);
        var session = Assert.IsType<ClientSession>(opened);
        await using (session)
        {
            using var interrupts = new Interrupts();
            using var cancellation = interrupts.BeginCommand();
            var running = session.ExecuteAsync(["work", "copy"], cancellation);
            await working.Task.WaitAsync(Bound);
            cancellation.Press();
            Assert.Equal(ShellErrors.ExitCancelled, await running.WaitAsync(Bound));
        }

        Assert.IsType<ShellFrame.Cancel>(await cancelled.Task);
        Assert.Equal(["Copying: 1/100 (1%)", "Stopped at 1%."], output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
