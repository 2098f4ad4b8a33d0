using UsbMesh.Daemon;

return await DaemonCommand.Create().Parse(args).InvokeAsync(DaemonCommand.Invocation);
