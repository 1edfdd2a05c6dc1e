#pragma once

// A nats-server of one test's own, with JetStream: started on a loopback port the server
// picks (read from its ports file, waited for up to 5 s), killed by PID.

#include "support/temp_dir.hpp"

#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <optional>
#include <signal.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace ipc::test {

class NatsServer {
public:
    // True when this build has the NATS backend and nats-server is on PATH.
    static bool available()
    {
#if IPC_TEST_NATS
        return std::system("command -v nats-server >/dev/null 2>&1") == 0;
#else
        return false;
#endif
    }

    NatsServer()
    {
        auto const dir = m_temp.path().string();
        std::string const log = dir + "/log";
        // With JetStream (for the queue), its store in the directory.
        std::vector<std::string> args { "nats-server", "-a", "127.0.0.1", "-p", "-1",
            "--ports_file_dir", dir, "-js", "-sd", dir + "/js" };
        std::vector<char*> argv;
        for (auto& arg : args)
            argv.push_back(arg.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT, 0600);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        // A child with SIGINT/SIGTERM blocked (our Stop's mask) would ignore our kill.
        posix_spawnattr_t attributes;
        posix_spawnattr_init(&attributes);
        sigset_t none;
        sigemptyset(&none);
        posix_spawnattr_setsigmask(&attributes, &none);
        posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
        int const rc
            = posix_spawnp(&m_pid, "nats-server", &actions, &attributes, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
        if (rc != 0)
            throw std::runtime_error("cannot start nats-server");
        auto const ports = dir + "/nats-server_" + std::to_string(m_pid) + ".ports";
        auto const give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (m_url.empty()) {
            std::ifstream in(ports);
            std::stringstream text;
            text << in.rdbuf();
            auto const json = text.str();
            if (auto const at = json.find("nats://"); at != std::string::npos)
                m_url = json.substr(at, json.find('"', at) - at);
            else if (std::chrono::steady_clock::now() > give_up)
                throw std::runtime_error("nats-server wrote no ports file in 5 s; see " + log);
            else
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    ~NatsServer()
    {
        ::kill(m_pid, SIGTERM);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
    }

    NatsServer(NatsServer const&) = delete;
    NatsServer& operator=(NatsServer const&) = delete;

    std::string const& url() const
    {
        return m_url;
    }

private:
    TempDir m_temp;
    pid_t m_pid = -1;
    std::string m_url;
};

}
