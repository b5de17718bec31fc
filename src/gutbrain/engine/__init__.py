"""gutbrain.engine"""
