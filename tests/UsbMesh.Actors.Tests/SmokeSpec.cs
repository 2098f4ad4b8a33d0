using Xunit.Abstractions;

namespace UsbMesh.Actors.Tests;

public sealed class SmokeSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed class Echo : ReceiveActor
    {
        public Echo()
        {
            Receive<string>(s => Sender.Tell(s));
            Receive<int>(i => throw new InvalidOperationException("boom " + i));
        }
    }

    [Fact]
    public void Echo_replies_and_restarts_after_failure()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()), "echo");
        echo.Tell("hello", TestActor);
        ExpectMsg("hello");
        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => echo.Tell(1, TestActor));
        echo.Tell("again", TestActor);
        ExpectMsg("again");
        Watch(echo);
        Sys.Stop(echo);
        ExpectTerminated(echo);
    }
}
