// dlopen instead of DT_NEEDED: see meson.build (nats_dep) for the cost that
// avoids. RTLD_LOCAL keeps cnats' symbols (and OpenSSL's) out of our way.

#include "ipc/nats/library.hpp"

#include "ipc/core/error.hpp"

#include <cstdlib>
#include <dlfcn.h>
#include <fmt/format.h>
#include <string>

namespace ipc::nats {

namespace {

constexpr auto default_library = "libnats.so.3.4";

class Loader {
public:
    explicit Loader(char const* path)
        : m_path(path)
        , m_handle(::dlopen(path, RTLD_NOW | RTLD_LOCAL))
    {
        if (!m_handle)
            throw Error(Exit::Unavailable,
                fmt::format("cannot load the NATS client library: {}", ::dlerror()),
                "install libnats3.4, or set IPC_NATS_LIB to its path");
    }

    template<typename Function> void bind(Function& function, char const* name)
    {
        void* symbol = ::dlsym(m_handle, name);
        if (!symbol)
            throw Error(Exit::Unavailable,
                fmt::format("{}: the NATS client library has no {}", m_path, name),
                "install libnats3.4, or set IPC_NATS_LIB to its path");
        function = reinterpret_cast<Function>(symbol);
    }

private:
    std::string m_path;
    void* m_handle; // Never closed: cnats' threads may outlive every object of ours.
};

Api load()
{
    char const* path = std::getenv("IPC_NATS_LIB");
    Loader loader(path && *path ? path : default_library);
    Api api {};
    loader.bind(api.nats_GetLastError, "nats_GetLastError");
    loader.bind(api.natsStatus_GetText, "natsStatus_GetText");

    loader.bind(api.natsOptions_Create, "natsOptions_Create");
    loader.bind(api.natsOptions_Destroy, "natsOptions_Destroy");
    loader.bind(api.natsOptions_SetServers, "natsOptions_SetServers");
    loader.bind(api.natsOptions_SetNoRandomize, "natsOptions_SetNoRandomize");
    loader.bind(api.natsOptions_SetSecure, "natsOptions_SetSecure");
    loader.bind(api.natsOptions_LoadCATrustedCertificates, "natsOptions_LoadCATrustedCertificates");
    loader.bind(
        api.natsOptions_SetUserCredentialsFromFiles, "natsOptions_SetUserCredentialsFromFiles");
    loader.bind(api.natsOptions_SetAllowReconnect, "natsOptions_SetAllowReconnect");
    loader.bind(api.natsOptions_SetMaxReconnect, "natsOptions_SetMaxReconnect");
    loader.bind(api.natsOptions_SetReconnectWait, "natsOptions_SetReconnectWait");
    loader.bind(api.natsOptions_SetReconnectJitter, "natsOptions_SetReconnectJitter");
    loader.bind(api.natsOptions_SetDisconnectedCB, "natsOptions_SetDisconnectedCB");
    loader.bind(api.natsOptions_SetReconnectedCB, "natsOptions_SetReconnectedCB");
    loader.bind(api.natsOptions_SetClosedCB, "natsOptions_SetClosedCB");
    loader.bind(api.natsOptions_SetErrorHandler, "natsOptions_SetErrorHandler");
    loader.bind(api.natsOptions_SetName, "natsOptions_SetName");
    loader.bind(api.natsOptions_SetCustomInboxPrefix, "natsOptions_SetCustomInboxPrefix");

    loader.bind(api.natsConnection_Connect, "natsConnection_Connect");
    loader.bind(api.natsConnection_Destroy, "natsConnection_Destroy");
    loader.bind(api.natsConnection_Publish, "natsConnection_Publish");
    loader.bind(api.natsConnection_PublishMsg, "natsConnection_PublishMsg");
    loader.bind(api.natsConnection_PublishRequest, "natsConnection_PublishRequest");
    loader.bind(api.natsConnection_Subscribe, "natsConnection_Subscribe");
    loader.bind(api.natsConnection_QueueSubscribe, "natsConnection_QueueSubscribe");
    loader.bind(api.natsConnection_FlushTimeout, "natsConnection_FlushTimeout");
    loader.bind(api.natsConnection_GetMaxPayload, "natsConnection_GetMaxPayload");
    loader.bind(api.natsConnection_GetConnectedUrl, "natsConnection_GetConnectedUrl");
    loader.bind(api.natsConnection_GetLastError, "natsConnection_GetLastError");

    loader.bind(api.natsSubscription_SetPendingLimits, "natsSubscription_SetPendingLimits");
    loader.bind(api.natsSubscription_GetDropped, "natsSubscription_GetDropped");
    loader.bind(api.natsSubscription_Unsubscribe, "natsSubscription_Unsubscribe");
    loader.bind(api.natsSubscription_SetOnCompleteCB, "natsSubscription_SetOnCompleteCB");
    loader.bind(api.natsSubscription_Destroy, "natsSubscription_Destroy");
    loader.bind(api.natsSubscription_Drain, "natsSubscription_Drain");
    loader.bind(api.natsSubscription_AutoUnsubscribe, "natsSubscription_AutoUnsubscribe");

    loader.bind(api.natsMsg_Create, "natsMsg_Create");
    loader.bind(api.natsMsg_Destroy, "natsMsg_Destroy");
    loader.bind(api.natsMsg_GetSubject, "natsMsg_GetSubject");
    loader.bind(api.natsMsg_GetReply, "natsMsg_GetReply");
    loader.bind(api.natsMsg_GetData, "natsMsg_GetData");
    loader.bind(api.natsMsg_GetDataLength, "natsMsg_GetDataLength");
    loader.bind(api.natsMsg_IsNoResponders, "natsMsg_IsNoResponders");
    loader.bind(api.natsMsgHeader_Add, "natsMsgHeader_Add");
    loader.bind(api.natsMsgHeader_Get, "natsMsgHeader_Get");
    loader.bind(api.natsMsgHeader_Keys, "natsMsgHeader_Keys");
    loader.bind(api.natsMsgHeader_Values, "natsMsgHeader_Values");

    loader.bind(api.natsConnection_GetServers, "natsConnection_GetServers");
    loader.bind(api.natsConnection_JetStream, "natsConnection_JetStream");
    loader.bind(api.jsCtx_Destroy, "jsCtx_Destroy");
    loader.bind(api.jsOptions_Init, "jsOptions_Init");
    loader.bind(api.jsStreamConfig_Init, "jsStreamConfig_Init");
    loader.bind(api.js_AddStream, "js_AddStream");
    loader.bind(api.js_UpdateStream, "js_UpdateStream");
    loader.bind(api.js_PurgeStream, "js_PurgeStream");
    loader.bind(api.js_DeleteStream, "js_DeleteStream");
    loader.bind(api.js_GetMsg, "js_GetMsg");
    loader.bind(api.js_DirectGetMsg, "js_DirectGetMsg");
    loader.bind(api.jsDirectGetMsgOptions_Init, "jsDirectGetMsgOptions_Init");
    loader.bind(api.js_DeleteMsg, "js_DeleteMsg");
    loader.bind(api.js_GetStreamInfo, "js_GetStreamInfo");
    loader.bind(api.jsStreamInfo_Destroy, "jsStreamInfo_Destroy");
    loader.bind(api.js_StreamNames, "js_StreamNames");
    loader.bind(api.jsStreamNamesList_Destroy, "jsStreamNamesList_Destroy");
    loader.bind(api.jsConsumerConfig_Init, "jsConsumerConfig_Init");
    loader.bind(api.js_AddConsumer, "js_AddConsumer");
    loader.bind(api.js_UpdateConsumer, "js_UpdateConsumer");
    loader.bind(api.js_GetConsumerInfo, "js_GetConsumerInfo");
    loader.bind(api.jsConsumerInfo_Destroy, "jsConsumerInfo_Destroy");
    loader.bind(api.jsPubOptions_Init, "jsPubOptions_Init");
    loader.bind(api.js_Publish, "js_Publish");
    loader.bind(api.js_PublishMsg, "js_PublishMsg");
    loader.bind(api.jsPubAck_Destroy, "jsPubAck_Destroy");
    loader.bind(api.js_PublishMsgAsync, "js_PublishMsgAsync");
    loader.bind(api.js_PublishAsyncComplete, "js_PublishAsyncComplete");
    loader.bind(api.js_PublishAsyncGetPendingList, "js_PublishAsyncGetPendingList");
    loader.bind(api.jsSubOptions_Init, "jsSubOptions_Init");
    loader.bind(api.js_PullSubscribe, "js_PullSubscribe");
    loader.bind(api.jsFetchRequest_Init, "jsFetchRequest_Init");
    loader.bind(api.natsSubscription_FetchRequest, "natsSubscription_FetchRequest");
    loader.bind(api.natsMsgList_Destroy, "natsMsgList_Destroy");
    loader.bind(api.natsMsg_GetMetaData, "natsMsg_GetMetaData");
    loader.bind(api.jsMsgMetaData_Destroy, "jsMsgMetaData_Destroy");
    loader.bind(api.natsMsg_Ack, "natsMsg_Ack");
    loader.bind(api.natsMsg_AckSync, "natsMsg_AckSync");
    loader.bind(api.natsMsg_NakWithDelay, "natsMsg_NakWithDelay");
    loader.bind(api.natsMsg_InProgress, "natsMsg_InProgress");
    loader.bind(api.natsMsg_GetSequence, "natsMsg_GetSequence");
    loader.bind(api.natsMsg_GetTime, "natsMsg_GetTime");
    loader.bind(api.js_KeyValue, "js_KeyValue");
    loader.bind(api.js_CreateKeyValue, "js_CreateKeyValue");
    loader.bind(api.kvConfig_Init, "kvConfig_Init");
    loader.bind(api.kvStore_Destroy, "kvStore_Destroy");
    loader.bind(api.kvStore_Put, "kvStore_Put");
    loader.bind(api.kvStore_Delete, "kvStore_Delete");
    loader.bind(api.kvStore_Watch, "kvStore_Watch");
    loader.bind(api.kvWatchOptions_Init, "kvWatchOptions_Init");
    loader.bind(api.kvWatcher_Next, "kvWatcher_Next");
    loader.bind(api.kvWatcher_Destroy, "kvWatcher_Destroy");
    loader.bind(api.kvEntry_Key, "kvEntry_Key");
    loader.bind(api.kvEntry_Value, "kvEntry_Value");
    loader.bind(api.kvEntry_ValueLen, "kvEntry_ValueLen");
    loader.bind(api.kvEntry_Created, "kvEntry_Created");
    loader.bind(api.kvEntry_Destroy, "kvEntry_Destroy");
    return api;
}

}

Api const& api()
{
    static Api const table = load(); // A failed load throws and is tried again next time.
    return table;
}

}
