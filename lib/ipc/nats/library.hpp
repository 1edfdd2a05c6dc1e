#pragma once

// libnats, loaded at run time: the first use of api() dlopens libnats.so.3.4
// ($IPC_NATS_LIB overrides it) and resolves every function below, so a tool
// that is not asked for NATS never loads it (nor libssl, libcrypto). Each
// member has the type of the cnats function of the same name.

#include <nats/nats.h>

namespace ipc::nats {

struct Api {
    decltype(&::nats_GetLastError) nats_GetLastError;
    decltype(&::natsStatus_GetText) natsStatus_GetText;

    decltype(&::natsOptions_Create) natsOptions_Create;
    decltype(&::natsOptions_Destroy) natsOptions_Destroy;
    decltype(&::natsOptions_SetServers) natsOptions_SetServers;
    decltype(&::natsOptions_SetNoRandomize) natsOptions_SetNoRandomize;
    decltype(&::natsOptions_SetSecure) natsOptions_SetSecure;
    decltype(&::natsOptions_LoadCATrustedCertificates) natsOptions_LoadCATrustedCertificates;
    decltype(&::natsOptions_SetUserCredentialsFromFiles) natsOptions_SetUserCredentialsFromFiles;
    decltype(&::natsOptions_SetAllowReconnect) natsOptions_SetAllowReconnect;
    decltype(&::natsOptions_SetMaxReconnect) natsOptions_SetMaxReconnect;
    decltype(&::natsOptions_SetReconnectWait) natsOptions_SetReconnectWait;
    decltype(&::natsOptions_SetReconnectJitter) natsOptions_SetReconnectJitter;
    decltype(&::natsOptions_SetDisconnectedCB) natsOptions_SetDisconnectedCB;
    decltype(&::natsOptions_SetReconnectedCB) natsOptions_SetReconnectedCB;
    decltype(&::natsOptions_SetClosedCB) natsOptions_SetClosedCB;
    decltype(&::natsOptions_SetErrorHandler) natsOptions_SetErrorHandler;
    decltype(&::natsOptions_SetName) natsOptions_SetName;
    decltype(&::natsOptions_SetCustomInboxPrefix) natsOptions_SetCustomInboxPrefix;

    decltype(&::natsConnection_Connect) natsConnection_Connect;
    decltype(&::natsConnection_Destroy) natsConnection_Destroy;
    decltype(&::natsConnection_Publish) natsConnection_Publish;
    decltype(&::natsConnection_PublishMsg) natsConnection_PublishMsg;
    decltype(&::natsConnection_PublishRequest) natsConnection_PublishRequest;
    decltype(&::natsConnection_Subscribe) natsConnection_Subscribe;
    decltype(&::natsConnection_QueueSubscribe) natsConnection_QueueSubscribe;
    decltype(&::natsConnection_FlushTimeout) natsConnection_FlushTimeout;
    decltype(&::natsConnection_GetMaxPayload) natsConnection_GetMaxPayload;
    decltype(&::natsConnection_GetConnectedUrl) natsConnection_GetConnectedUrl;
    decltype(&::natsConnection_GetLastError) natsConnection_GetLastError;

    decltype(&::natsSubscription_SetPendingLimits) natsSubscription_SetPendingLimits;
    decltype(&::natsSubscription_GetDropped) natsSubscription_GetDropped;
    decltype(&::natsSubscription_Unsubscribe) natsSubscription_Unsubscribe;
    decltype(&::natsSubscription_SetOnCompleteCB) natsSubscription_SetOnCompleteCB;
    decltype(&::natsSubscription_Destroy) natsSubscription_Destroy;
    decltype(&::natsSubscription_Drain) natsSubscription_Drain;
    decltype(&::natsSubscription_AutoUnsubscribe) natsSubscription_AutoUnsubscribe;

    decltype(&::natsMsg_Create) natsMsg_Create;
    decltype(&::natsMsg_Destroy) natsMsg_Destroy;
    decltype(&::natsMsg_GetSubject) natsMsg_GetSubject;
    decltype(&::natsMsg_GetReply) natsMsg_GetReply;
    decltype(&::natsMsg_GetData) natsMsg_GetData;
    decltype(&::natsMsg_GetDataLength) natsMsg_GetDataLength;
    decltype(&::natsMsg_IsNoResponders) natsMsg_IsNoResponders;
    decltype(&::natsMsgHeader_Add) natsMsgHeader_Add;
    decltype(&::natsMsgHeader_Get) natsMsgHeader_Get;
    decltype(&::natsMsgHeader_Keys) natsMsgHeader_Keys;
    decltype(&::natsMsgHeader_Values) natsMsgHeader_Values;

    // JetStream (the queue).
    decltype(&::natsConnection_GetServers) natsConnection_GetServers;
    decltype(&::natsConnection_JetStream) natsConnection_JetStream;
    decltype(&::jsCtx_Destroy) jsCtx_Destroy;
    decltype(&::jsOptions_Init) jsOptions_Init;
    decltype(&::jsStreamConfig_Init) jsStreamConfig_Init;
    decltype(&::js_AddStream) js_AddStream;
    decltype(&::js_UpdateStream) js_UpdateStream;
    decltype(&::js_PurgeStream) js_PurgeStream;
    decltype(&::js_DeleteStream) js_DeleteStream;
    decltype(&::js_GetMsg) js_GetMsg;
    decltype(&::js_DirectGetMsg) js_DirectGetMsg;
    decltype(&::jsDirectGetMsgOptions_Init) jsDirectGetMsgOptions_Init;
    decltype(&::js_DeleteMsg) js_DeleteMsg;
    decltype(&::js_GetStreamInfo) js_GetStreamInfo;
    decltype(&::jsStreamInfo_Destroy) jsStreamInfo_Destroy;
    decltype(&::js_StreamNames) js_StreamNames;
    decltype(&::jsStreamNamesList_Destroy) jsStreamNamesList_Destroy;
    decltype(&::jsConsumerConfig_Init) jsConsumerConfig_Init;
    decltype(&::js_AddConsumer) js_AddConsumer;
    decltype(&::js_UpdateConsumer) js_UpdateConsumer;
    decltype(&::js_GetConsumerInfo) js_GetConsumerInfo;
    decltype(&::jsConsumerInfo_Destroy) jsConsumerInfo_Destroy;
    decltype(&::jsPubOptions_Init) jsPubOptions_Init;
    decltype(&::js_Publish) js_Publish;
    decltype(&::js_PublishMsg) js_PublishMsg;
    decltype(&::jsPubAck_Destroy) jsPubAck_Destroy;
    decltype(&::js_PublishMsgAsync) js_PublishMsgAsync;
    decltype(&::js_PublishAsyncComplete) js_PublishAsyncComplete;
    decltype(&::js_PublishAsyncGetPendingList) js_PublishAsyncGetPendingList;
    decltype(&::jsSubOptions_Init) jsSubOptions_Init;
    decltype(&::js_PullSubscribe) js_PullSubscribe;
    decltype(&::jsFetchRequest_Init) jsFetchRequest_Init;
    decltype(&::natsSubscription_FetchRequest) natsSubscription_FetchRequest;
    decltype(&::natsMsgList_Destroy) natsMsgList_Destroy;
    decltype(&::natsMsg_GetMetaData) natsMsg_GetMetaData;
    decltype(&::jsMsgMetaData_Destroy) jsMsgMetaData_Destroy;
    decltype(&::natsMsg_Ack) natsMsg_Ack;
    decltype(&::natsMsg_AckSync) natsMsg_AckSync;
    decltype(&::natsMsg_NakWithDelay) natsMsg_NakWithDelay;
    decltype(&::natsMsg_InProgress) natsMsg_InProgress;
    decltype(&::natsMsg_GetSequence) natsMsg_GetSequence;
    decltype(&::natsMsg_GetTime) natsMsg_GetTime;
    // JetStream key-value (retained messages).
    decltype(&::js_KeyValue) js_KeyValue;
    decltype(&::js_CreateKeyValue) js_CreateKeyValue;
    decltype(&::kvConfig_Init) kvConfig_Init;
    decltype(&::kvStore_Destroy) kvStore_Destroy;
    decltype(&::kvStore_Put) kvStore_Put;
    decltype(&::kvStore_Delete) kvStore_Delete;
    decltype(&::kvStore_Watch) kvStore_Watch;
    decltype(&::kvWatchOptions_Init) kvWatchOptions_Init;
    decltype(&::kvWatcher_Next) kvWatcher_Next;
    decltype(&::kvWatcher_Destroy) kvWatcher_Destroy;
    decltype(&::kvEntry_Key) kvEntry_Key;
    decltype(&::kvEntry_Value) kvEntry_Value;
    decltype(&::kvEntry_ValueLen) kvEntry_ValueLen;
    decltype(&::kvEntry_Created) kvEntry_Created;
    decltype(&::kvEntry_Destroy) kvEntry_Destroy;
};

// The table, loaded on first use (thread-safe). Throws Error(Unavailable)
// naming the library when it cannot be loaded or lacks a function.
Api const& api();

}
